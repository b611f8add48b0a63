"""Decomposing a task: ask the configured decomposer, then (unless previewing) write it all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mission_control.domain.actors import Actor
from mission_control.domain.decomposition import (
    Decomposer,
    DecomposerFailed,
    ParentTask,
    ProposedSubtask,
    check_proposal,
    outline,
)
from mission_control.domain.errors import InvalidTransition
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import TERMINAL_STATUSES
from mission_control.models import Task
from mission_control.services.dependencies import link
from mission_control.services.tasks import TaskDraft, insert_task
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_task, write_task
from mission_control.store.views import TaskView, task_view, task_views


class OutlineDecomposer:
    """The default decomposer: the description's own list, no network."""

    async def propose(self, task: ParentTask) -> list[ProposedSubtask]:
        return outline(task)


def decomposer_for(ctx: Context) -> Decomposer:
    """The decomposer MC_DECOMPOSER names; the LLM adapter is the one the runtime wired."""
    if ctx.settings.decomposer == "llm":
        if ctx.llm_decomposer is None:
            raise DecomposerFailed("The llm decomposer is not wired into this process.")
        return ctx.llm_decomposer(ctx.settings)
    return OutlineDecomposer()


@dataclass(frozen=True)
class Decomposition:
    """A proposal for a task, and the subtasks written for it (none in preview)."""

    task: TaskView
    proposal: list[ProposedSubtask]
    created: list[TaskView]


def _parent_view(task: Task) -> ParentTask:
    return ParentTask(task.id, task.title, task.description, task.priority, tuple(task.tags))


def _refuse_closed(task: Task) -> None:
    if task.status in TERMINAL_STATUSES:
        raise InvalidTransition(
            f"Task #{task.id} is {task.status}; a closed task is not split into subtasks.",
            current=str(task.status),
        )


async def _write(
    ch: Change, actor: Actor, parent: Task, proposal: Sequence[ProposedSubtask]
) -> list[Task]:
    """The subtasks, their dependencies and the parent's Event, all in the open change."""
    created: list[Task] = []
    for item in proposal:
        draft = TaskDraft(item.title, item.description, item.priority, item.tags, parent.id)
        child = await insert_task(ch, actor, draft)
        created.append(child)
    for child, item in zip(created, proposal, strict=True):
        for index in item.depends_on:
            await link(ch, actor, child, created[index])
    await write_task(ch, parent)
    ch.record(
        EventKind.DECOMPOSED, actor.label, task_id=parent.id, subtasks=[c.id for c in created]
    )
    return created


async def accept_decomposition(
    ctx: Context, actor: Actor, task_id: int, proposal: Sequence[ProposedSubtask]
) -> Decomposition:
    """Write a (possibly edited) proposal: all subtasks and dependencies or nothing."""
    require_operator(actor, "decompose tasks")
    cleaned = check_proposal(proposal)
    async with change(ctx) as ch:
        parent = await load_task(task_id, ch.conn)
        _refuse_closed(parent)
        created = await _write(ch, actor, parent, cleaned)
    return Decomposition(task_view(parent), cleaned, task_views(created))


async def decompose_task(
    ctx: Context, actor: Actor, task_id: int, preview: bool = False
) -> Decomposition:
    """Propose subtasks with the configured decomposer; write them unless previewing.

    The decomposer runs outside any transaction (it may wait on the network); a failure
    leaves the task as it was.
    """
    require_operator(actor, "decompose tasks")
    parent = await load_task(task_id)
    _refuse_closed(parent)
    proposal = check_proposal(await decomposer_for(ctx).propose(_parent_view(parent)))
    if preview:
        return Decomposition(task_view(parent), proposal, [])
    return await accept_decomposition(ctx, actor, task_id, proposal)
