"""Edges between tasks: "depends on" (order of work) and "parent of" (a task and its subtasks)."""

from __future__ import annotations

from collections.abc import Iterable

from mission_control.domain.actors import AUTOMATION, Actor
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.store import dependencies as edges
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_task, write_task
from mission_control.store.views import TaskView, task_view

# The claim path and the pickup rule read these through here (services/claims.py, pickup.py).
open_dependencies = edges.open_dependencies
waiting_task_ids = edges.waiting_task_ids


def path_between(graph: dict[int, list[int]], start: int, goal: int) -> list[int] | None:
    """A chain of "depends on" edges from start to goal, if there is one (depth first)."""
    seen: set[int] = set()
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((after, [*path, after]) for after in graph.get(node, []))
    return None


def refuse_cycle(graph: dict[int, list[int]], task_id: int, depends_on: int) -> None:
    """Refuse an edge that would let a task wait, through others, for itself."""
    if task_id == depends_on:
        raise ValidationFailed(f"Task #{task_id} cannot depend on itself.", task_id=task_id)
    path = path_between(graph, depends_on, task_id)
    if path is not None:
        cycle = " → ".join(f"#{node}" for node in [task_id, *path])
        raise ValidationFailed(
            f"Task #{task_id} cannot depend on #{depends_on}: that would make a cycle {cycle}.",
            cycle=[task_id, *path],
        )


async def link(ch: Change, actor: Actor, task: Task, depends_on: Task) -> None:
    """Write one dependency edge in an open change, refusing cycles."""
    await edges.lock_graph(ch.conn)
    refuse_cycle(await edges.graph(ch.conn), task.id, depends_on.id)
    await edges.add_edge(task.id, depends_on.id, ch.conn)
    await write_task(ch, task)
    ch.record(EventKind.DEPENDENCY_ADDED, actor.label, task_id=task.id, depends_on=depends_on.id)


async def add_dependency(ctx: Context, actor: Actor, task_id: int, depends_on: int) -> TaskView:
    """Make a task wait for another: it is not handed out until that one is done."""
    require_operator(actor, "add dependencies")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        other = await load_task(depends_on, ch.conn)
        if not await edges.has_edge(task_id, depends_on, ch.conn):
            await link(ch, actor, task, other)
    return task_view(task)


async def remove_dependency(ctx: Context, actor: Actor, task_id: int, depends_on: int) -> TaskView:
    """Stop a task waiting for another."""
    require_operator(actor, "remove dependencies")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        if not await edges.remove_edge(task_id, depends_on, ch.conn):
            raise ValidationFailed(
                f"Task #{task_id} does not depend on #{depends_on}.",
                task_id=task_id,
                depends_on=depends_on,
            )
        await write_task(ch, task)
        ch.record(EventKind.DEPENDENCY_REMOVED, actor.label, task_id=task.id, depends_on=depends_on)
    return task_view(task)


async def refuse_open_children(ch: Change, task: Task) -> None:
    """A parent is not done while one of its subtasks is still being worked on."""
    open_children = await edges.open_children(task.id, ch.conn)
    if open_children:
        names = ", ".join(f"#{child}" for child in open_children)
        raise ValidationFailed(
            f"Task #{task.id} cannot be approved while its subtasks {names} are open; finish "
            f"or cancel them first.",
            task_id=task.id,
            open_subtasks=open_children,
        )


def mean_progress(children: Iterable[tuple[TaskStatus, int]]) -> int | None:
    """A parent's progress: the mean of its live subtasks', a done one counting as 100."""
    values = [
        100 if status is TaskStatus.DONE else progress
        for status, progress in children
        if status is not TaskStatus.CANCELLED
    ]
    return round(sum(values) / len(values)) if values else None


async def roll_up_progress(ch: Change, task: Task) -> None:
    """Recompute the progress of the task's parent (and theirs) after a subtask changed."""
    parent_id = task.parent_id
    visited: set[int] = set()
    while parent_id is not None and parent_id not in visited:
        visited.add(parent_id)
        parent = await load_task(parent_id, ch.conn)
        value = mean_progress(await edges.children_progress(parent_id, ch.conn))
        if value is None or value == parent.progress:
            return
        await write_task(ch, parent, progress=value)
        ch.record(
            EventKind.PROGRESS,
            AUTOMATION.label,
            task_id=parent.id,
            progress=value,
            reason="a parent's progress is the mean of its subtasks'",
        )
        parent_id = parent.parent_id
