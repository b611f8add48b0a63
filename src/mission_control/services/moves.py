"""Status moves: one path through the state machine's guards for every way a task moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mission_control.domain import limits
from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from mission_control.domain.events import EventKind, kind_of
from mission_control.domain.permissions import require_operator
from mission_control.domain.usage import UsageReport
from mission_control.domain.workflow import (
    Move,
    TaskFacts,
    TaskStatus,
    check_move,
    move_for,
    reopen_target,
)
from mission_control.models import Task
from mission_control.services.dependencies import refuse_open_children, roll_up_progress
from mission_control.services.pickup import check_pickup, held_count, lock_agent
from mission_control.services.routing import ready_payload
from mission_control.services.usage_reports import record_usage
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.output import forget_output
from mission_control.store.tasks import (
    assignee_name,
    check_version,
    load_task,
    write_task,
)
from mission_control.store.views import TaskView, task_view

# Moves that change what a subtask adds to its parent's progress.
ROLLS_UP = frozenset({Move.APPROVE, Move.CANCEL, Move.SUBMIT, Move.REJECT, Move.REOPEN})


def _effects(
    ch: Change, ctx: Context, move: Move, target: TaskStatus, text: str | None
) -> dict[str, Any]:
    """The fields a move sets besides the status."""
    lease = ch.now + timedelta(seconds=ctx.settings.lease_seconds)
    # Progress is the current attempt's: a claim or a rejection starts one at 0 (the earlier
    # attempts stay in the PROGRESS Events), a submitted attempt is complete. The operator's
    # feedback stays with the task until the next rejection replaces it, so whoever claims a
    # released rework gets it too.
    if move is Move.CLAIM:
        return {"claimed_at": ch.now, "lease_expires_at": lease, "progress": 0}
    if move is Move.REJECT:
        if target is TaskStatus.READY:  # the rework waits for its agent, still assigned
            return {"lease_expires_at": None, "claimed_at": None, "feedback": text, "progress": 0}
        return {"lease_expires_at": lease, "feedback": text, "progress": 0}
    if move is Move.SUBMIT:
        return {"lease_expires_at": None, "result": text, "progress": 100}
    if move is Move.BLOCK:
        return {"lease_expires_at": None, "block_reason": text}
    if move is Move.UNBLOCK:  # the operator's unblock gives the task a fresh set of attempts
        return {"block_reason": None, "attempts": 0, "retry_at": None}
    if move is Move.RELEASE:
        return {"lease_expires_at": None, "claimed_at": None, "assignee": None}
    if move is Move.REOPEN:  # a fresh start: the earlier result and feedback stay to read
        return {
            "lease_expires_at": None,
            "claimed_at": None,
            "progress": 0,
            "attempts": 0,
            "retry_at": None,
            "stuck_since": None,
        }
    return {"lease_expires_at": None}


async def _rework_target(ch: Change, holder: str) -> TaskStatus:
    """Rework counts toward the WIP limit: back in progress while the holder has room, else
    ready and still assigned to it (its next claim). Under the agent's lock, as a claim."""
    agent = await lock_agent(holder, ch.conn)
    if await held_count(agent.id, ch.conn) >= agent.wip_limit:
        return TaskStatus.READY
    return TaskStatus.IN_PROGRESS


async def apply_move(
    ch: Change,
    ctx: Context,
    actor: Actor,
    task: Task,
    target: TaskStatus,
    *,
    text: str | None = None,
    expect: Move | None = None,
    kind: EventKind | None = None,
    approved: bool = False,
    forced: bool = False,
    **payload: Any,
) -> Task:
    """Move a loaded task inside an open change: guards, row write, Event.

    A claim (ready → in progress) goes through the one pickup rule (services/pickup.py) under
    a lock on the agent, whichever path asked for it; `approved` says the operator granted it
    in manual mode, `forced` is the operator's explicit override (recorded on the Event).
    claimNextTask takes its own straight path to the same rule (services/claims.py).
    """
    move = move_for(task.status, target, task_id=task.id, expect=expect)
    before_status, before_holder = task.status, assignee_name(task)
    check_move(move, TaskFacts(task.status, before_holder), actor, reason=text)
    if move is Move.REOPEN:
        where = reopen_target(task.title, task.description, task.priority)
        if target is not where:
            raise InvalidTransition(
                f"Task #{task.id} reopens to {where}, not {target}: a task is ready only with "
                f"a title, a description and a priority.",
                current=str(task.status),
                target=str(target),
            )
    if move is Move.APPROVE:
        await refuse_open_children(ch, task)
    if move is Move.REJECT and target is TaskStatus.IN_PROGRESS and before_holder is not None:
        target = await _rework_target(ch, before_holder)
    changes = {"status": target, **_effects(ch, ctx, move, target, text)}
    if move is Move.CLAIM:
        if actor.role is not Role.AGENT:
            raise Forbidden(
                "Only an agent can claim a task; assign it to an agent instead (assignTask "
                "with force hands it over at once)."
            )
        if forced:
            changes["assignee"] = await lock_agent(actor.name, ch.conn)
            payload["forced"] = True
        else:
            changes["assignee"] = await check_pickup(
                ctx, actor.name, task, ch.conn, approved=approved
            )
        if changes["assignee"].output_task_id is not None:
            await forget_output(ch.conn, changes["assignee"].id)  # a new task, a clean screen
    await write_task(ch, task, **changes)
    if "assignee" in changes:
        task.assignee = changes["assignee"]
    shown = (
        text if move in (Move.BLOCK, Move.RELEASE, Move.CANCEL, Move.REJECT, Move.REOPEN) else None
    )
    if target is TaskStatus.READY:  # who can take it, so only runners that can wake up
        payload = {**ready_payload(task, ctx.settings), **payload}
    if move is Move.SUBMIT:  # whether an approval rule can apply, without reading the task
        payload = {"tags": list(task.tags), **payload}
    ch.record(
        kind or kind_of(move),
        actor.label,
        task_id=task.id,
        agent_name=assignee_name(task) or before_holder,
        from_status=before_status,
        to_status=target,
        **{
            "reason": shown,
            **payload,  # an automatic move passes the rule that made it as its reason
        },
    )
    if task.parent_id is not None and move in ROLLS_UP:
        await roll_up_progress(ch, task)
    return task


async def move_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    target: TaskStatus,
    *,
    text: str | None = None,
    expected_version: int | None = None,
    expect: Move | None = None,
) -> TaskView:
    """Move a task to `target` by whichever move the state machine allows for it."""
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        check_version(task, expected_version)
        await apply_move(ch, ctx, actor, task, target, text=text, expect=expect)
    return task_view(task)


async def block_task(
    ctx: Context, actor: Actor, task_id: int, reason: str, expected_version: int | None = None
) -> TaskView:
    """Put an open task on hold; the reason says what it waits for."""
    text = limits.clean_reason(reason)
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.BLOCKED,
        text=text,
        expected_version=expected_version,
        expect=Move.BLOCK,
    )


async def unblock_task(
    ctx: Context, actor: Actor, task_id: int, expected_version: int | None = None
) -> TaskView:
    """The blocker is resolved: the task is ready for pickup again."""
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.READY,
        expected_version=expected_version,
        expect=Move.UNBLOCK,
    )


async def submit_for_review(
    ctx: Context,
    actor: Actor,
    task_id: int,
    result: str | None = None,
    expected_version: int | None = None,
    usage: UsageReport | None = None,
) -> TaskView:
    """The holder hands its finished work to the operator, with what it produced (and, with
    `usage`, what it spent since its last report, counted in the same change)."""
    text = limits.clean_text(result, "result") if result else None
    if usage is not None:
        async with change(ctx) as ch:
            task = await load_task(task_id, ch.conn)
            check_version(task, expected_version)
            await record_usage(ch, ctx, actor, task, usage)
            await apply_move(ch, ctx, actor, task, TaskStatus.REVIEW, text=text, expect=Move.SUBMIT)
        return task_view(task)
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.REVIEW,
        text=text,
        expected_version=expected_version,
        expect=Move.SUBMIT,
    )


async def approve_task(
    ctx: Context, actor: Actor, task_id: int, expected_version: int | None = None
) -> TaskView:
    """The operator accepts the work under review: the task is done."""
    return await move_task(
        ctx, actor, task_id, TaskStatus.DONE, expected_version=expected_version, expect=Move.APPROVE
    )


async def reject_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    feedback: str,
    expected_version: int | None = None,
) -> TaskView:
    """The operator sends the work back to its agent with what to change.

    Rework counts toward the agent's WIP limit like any held task. Within the limit the task
    goes back in progress to its holder at once; at the limit (the agent took other work
    meanwhile) it waits ready, still assigned to that agent (an assignment binds), so it is
    the agent's next claim, with the feedback, as soon as it has room. No agent is ever put
    over its limit, and nobody else takes over the rework unless the operator reassigns it."""
    text = limits.clean_reason(feedback, "feedback")
    if text is None:
        raise ValidationFailed("Rejecting work needs feedback: tell the agent what to change.")
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.IN_PROGRESS,
        text=text,
        expected_version=expected_version,
        expect=Move.REJECT,
    )


async def cancel_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> TaskView:
    """Close a task for good; an agent working on it learns it from the Event."""
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.CANCELLED,
        text=limits.clean_reason(reason),
        expected_version=expected_version,
        expect=Move.CANCEL,
    )


async def release_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> TaskView:
    """Give an in-progress task back to the pool (the holder, or the operator for it)."""
    return await move_task(
        ctx,
        actor,
        task_id,
        TaskStatus.READY,
        text=limits.clean_reason(reason),
        expected_version=expected_version,
        expect=Move.RELEASE,
    )


async def reopen_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> TaskView:
    """The operator takes a done or cancelled task up again: to ready when it has a title, a
    description and a priority (the triage rule), else to intake."""
    require_operator(actor, "reopen a task")
    text = limits.clean_reason(reason)
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        check_version(task, expected_version)
        if task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
            raise InvalidTransition(
                f"Task #{task.id} is {task.status}, not done or cancelled: only a closed task "
                f"can be reopened.",
                current=str(task.status),
            )
        target = reopen_target(task.title, task.description, task.priority)
        await apply_move(ch, ctx, actor, task, target, text=text, expect=Move.REOPEN)
    return task_view(task)
