"""Creating and editing tasks, and the operator's assignment of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mission_control.domain import limits
from mission_control.domain.actors import AUTOMATION, Actor, agent_actor
from mission_control.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from mission_control.domain.events import EventKind, kind_of
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import (
    Move,
    TaskStatus,
    is_complete_for_pickup,
)
from mission_control.models import Task
from mission_control.services.routing import ready_payload, route_task
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import (
    assignee_name,
    check_version,
    insert_task_row,
    load_task,
    reassign,
    write_task,
)
from mission_control.store.views import TaskView, task_view

TRIAGE_RULE = "intake → ready: title, description and priority are set"


@dataclass(frozen=True)
class TaskDraft:
    title: str
    description: str = ""
    priority: int | None = None
    tags: Sequence[str] = ()
    parent_id: int | None = None


@dataclass(frozen=True)
class TaskEdit:
    """Fields to change; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    priority: int | None = None
    tags: Sequence[str] | None = None


async def triage_if_complete(ch: Change, task: Task, ctx: Context | None = None) -> None:
    """The automation rule: a complete intake task moves to ready at once (and, given the
    context, is routed to the best agent for it)."""
    if task.status is TaskStatus.INTAKE and is_complete_for_pickup(
        task.title, task.description, task.priority
    ):
        await write_task(ch, task, status=TaskStatus.READY)
        ch.record(
            kind_of(Move.TRIAGE),
            AUTOMATION.label,
            task_id=task.id,
            from_status=TaskStatus.INTAKE,
            to_status=TaskStatus.READY,
            reason=TRIAGE_RULE,
            **(ready_payload(task, ctx.settings) if ctx is not None else {}),
        )
        if ctx is not None:
            await route_task(ch, ctx, task)


async def insert_task(
    ch: Change, actor: Actor, draft: TaskDraft, ctx: Context | None = None
) -> Task:
    """Write an already validated task and its CREATED Event into the open change; a complete
    one moves on to ready (and is routed when `ctx` is given)."""
    tags = list(draft.tags)
    task = await insert_task_row(
        ch, draft.title, draft.description, draft.priority, tags, draft.parent_id
    )
    ch.record(
        EventKind.CREATED,
        actor.label,
        task_id=task.id,
        to_status=TaskStatus.INTAKE,
        title=draft.title,
        priority=draft.priority,
        tags=tags,
        parent_id=draft.parent_id,
    )
    await triage_if_complete(ch, task, ctx)
    return task


async def create_task(ctx: Context, actor: Actor, draft: TaskDraft) -> TaskView:
    """Add a task to intake; it is ready at once when it is complete (operator only)."""
    require_operator(actor, "create tasks")
    title = limits.clean_title(draft.title)
    description = limits.clean_text(draft.description, "description", limits.DESCRIPTION_MAX)
    priority = limits.clean_priority(draft.priority)
    tags = limits.clean_tags(draft.tags)
    async with change(ctx) as ch:
        if draft.parent_id is not None:
            await load_task(draft.parent_id, ch.conn)
        task = await insert_task(
            ch, actor, TaskDraft(title, description, priority, tags, draft.parent_id), ctx
        )
    return task_view(task)


async def update_task(
    ctx: Context, actor: Actor, task_id: int, edit: TaskEdit, expected_version: int | None = None
) -> TaskView:
    """Change a task's title, description, priority or tags."""
    require_operator(actor, "edit a task")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        check_version(task, expected_version)
        changes: dict[str, object] = {}
        if edit.title is not None:
            changes["title"] = limits.clean_title(edit.title)
        if edit.description is not None:
            changes["description"] = limits.clean_text(
                edit.description, "description", limits.DESCRIPTION_MAX
            )
        if edit.priority is not None:
            changes["priority"] = limits.clean_priority(edit.priority)
        if edit.tags is not None:
            changes["tag_text"] = Task.tag_text_of(limits.clean_tags(edit.tags))
        changed = {k: v for k, v in changes.items() if getattr(task, k) != v}
        if not changed:
            return task_view(task)
        await write_task(ch, task, **changed)
        shown = {("tags" if k == "tag_text" else k): v for k, v in changed.items()}
        if "tags" in shown:
            shown["tags"] = task.tags
        ch.record(EventKind.UPDATED, actor.label, task_id=task.id, changes=shown)
        await triage_if_complete(ch, task, ctx)
    return task_view(task)


async def assign_task(
    ctx: Context,
    actor: Actor,
    task_id: int,
    agent_name: str | None,
    expected_version: int | None = None,
    reason: str | None = None,
    force: bool = False,
) -> TaskView:
    """Set (or clear) who should pick a task up: only that agent may then claim it.

    With `force` the operator hands a ready task to the agent at once, past the pickup rule
    (pause, manual mode, WIP limit, budget, skills, dependencies): an explicit override, and
    the CLAIMED Event says so (`forced`, by whom)."""
    require_operator(actor, "assign tasks")
    if force and not agent_name:
        raise ValidationFailed("Forcing an assignment needs an agent to hand the task to.")
    # Imported here: moves and pickup import this module (require_operator).
    from mission_control.services.moves import apply_move
    from mission_control.services.pickup import lock_agent

    async with change(ctx) as ch:
        if force and agent_name:
            await lock_agent(agent_name, ch.conn)  # the pickup rule's lock order
        task = await load_task(task_id, ch.conn)
        check_version(task, expected_version)
        if task.status is TaskStatus.IN_PROGRESS:
            raise Forbidden(
                f"Task #{task.id} is being worked on by {assignee_name(task)}; release or "
                f"cancel that claim before reassigning it.",
                task_id=task.id,
            )
        if force and task.status is not TaskStatus.READY:
            raise InvalidTransition(
                f"Task #{task.id} is {task.status}; only a ready task can be handed over.",
                current=str(task.status),
            )
        await reassign(ch, task, agent_name, actor.label, reason)
        if force and agent_name:
            await apply_move(
                ch,
                ctx,
                agent_actor(agent_name),
                task,
                TaskStatus.IN_PROGRESS,
                expect=Move.CLAIM,
                forced=True,
                override_by=actor.label,
            )
    return task_view(task)
