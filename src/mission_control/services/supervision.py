"""The supervisor: a failed or timed-out attempt is retried after a backoff, or blocks the task
once it has used its attempts; the operator can set a task's own limits."""

from __future__ import annotations

from datetime import timedelta

from mission_control.domain import limits as rules
from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.supervision import (
    LimitOverrides,
    Limits,
    check_overrides,
    effective_limits,
    judge_failure,
)
from mission_control.domain.workflow import Move, TaskStatus
from mission_control.models import Task
from mission_control.services.moves import apply_move
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.journal import change
from mission_control.store.tasks import assignee_name, load_task, write_task
from mission_control.store.views import TaskView, overrides_of, task_view


def default_limits(settings: Settings) -> Limits:
    """The server's limits (MC_MAX_ATTEMPTS, MC_MAX_RUN_SECONDS, MC_RETRY_BACKOFF_SECONDS)."""
    return Limits(
        max_attempts=settings.max_attempts,
        max_run_seconds=settings.max_run_seconds or None,
        retry_backoff_seconds=settings.retry_backoff_seconds,
    )


def limits_of(task: Task, settings: Settings) -> Limits:
    """The limits that apply to this task."""
    return effective_limits(overrides_of(task), default_limits(settings))


async def fail_attempt(
    ctx: Context, actor: Actor, task_id: int, error: str, timed_out: bool = False
) -> TaskView:
    """The holder's attempt failed (or ran out of time): an ATTEMPT_FAILED Event, then the task
    goes back to ready after the backoff, or is blocked with the last error at the last attempt."""
    text = rules.clean_text(error, "error")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        holder = assignee_name(task)
        if task.status is not TaskStatus.IN_PROGRESS:
            raise InvalidTransition(
                f"Only an attempt in progress can fail; task #{task.id} is {task.status}.",
                current=str(task.status),
            )
        if actor.role is Role.VIEWER or (actor.role is Role.AGENT and holder != actor.name):
            raise Forbidden(
                f"Only the holder of task #{task.id} ({holder}) or the operator can report its "
                f"attempt failed."
            )
        limits = limits_of(task, ctx.settings)
        verdict = judge_failure(limits, task.attempts, text, timed_out)
        retry_at = None if verdict.gives_up else ch.now + timedelta(seconds=verdict.retry_in)
        await write_task(ch, task, attempts=verdict.attempt, retry_at=retry_at)
        ch.record(
            EventKind.ATTEMPT_FAILED,
            actor.label,
            task_id=task.id,
            agent_name=holder,
            attempt=verdict.attempt,
            max_attempts=limits.max_attempts,
            timed_out=timed_out,
            error=text[-2000:],
        )
        if verdict.gives_up:
            await apply_move(
                ch,
                ctx,
                actor,
                task,
                TaskStatus.BLOCKED,
                text=verdict.reason,
                expect=Move.BLOCK,
                attempts=verdict.attempt,
            )
        else:
            await apply_move(
                ch,
                ctx,
                actor,
                task,
                TaskStatus.READY,
                text=verdict.reason,
                expect=Move.RELEASE,
                attempt=verdict.attempt,
                retry_in_seconds=verdict.retry_in,
            )
    return task_view(task)


async def set_task_limits(
    ctx: Context, actor: Actor, task_id: int, overrides: LimitOverrides
) -> TaskView:
    """(Operator) Set a task's own limits; a field left None keeps what the task has."""
    if not actor.is_operator:
        raise Forbidden("Only the operator can set a task's limits.", role=str(actor.role))
    check_overrides(overrides)
    wanted = {
        "max_attempts": overrides.max_attempts,
        "max_run_seconds": overrides.max_run_seconds,
        "retry_backoff_seconds": overrides.retry_backoff_seconds,
    }
    changes = {name: value for name, value in wanted.items() if value is not None}
    if not changes:
        raise ValidationFailed(
            "Give at least one of maxAttempts, maxRunSeconds, retryBackoffSeconds."
        )
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        await write_task(ch, task, **changes)
        ch.record(EventKind.UPDATED, actor.label, task_id=task.id, changes=changes)
    return task_view(task)
