"""Edges between tasks: "depends on" (order of work) and "parent of" (a task and its subtasks)."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery

from mission_control.domain.actors import AUTOMATION, Actor
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import OPEN_STATUSES, TaskStatus
from mission_control.models import Task, TaskDependency
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_task, write_task

# Held while a dependency edge is checked and written on PostgreSQL (SQLite serialises writers).
DEPENDENCY_LOCK = 7_362_006


async def depends_on_ids(task_id: int, conn: BaseDBAsyncClient | None = None) -> list[int]:
    """The tasks this one waits for, lowest id first."""
    rows = await TaskDependency.filter(task_id=task_id).using_db(conn).order_by("depends_on_id")
    return [row.depends_on_id for row in rows]


async def depends_on_of(task_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each task, the tasks it waits for, lowest id first, in one query."""
    found: dict[int, list[int]] = {task_id: [] for task_id in task_ids}
    if found:
        edges = TaskDependency.filter(task_id__in=list(found)).order_by("depends_on_id")
        for task_id, depends_on in await edges.values_list("task_id", "depends_on_id"):
            found[task_id].append(depends_on)
    return found


async def _edges(conn: BaseDBAsyncClient) -> dict[int, list[int]]:
    graph: dict[int, list[int]] = {}
    for task_id, depends_on in (
        await TaskDependency.all().using_db(conn).values_list("task_id", "depends_on_id")
    ):
        graph.setdefault(int(task_id), []).append(int(depends_on))
    return graph


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
    if ch.conn.capabilities.dialect == "postgres":
        # Two edges added at once could each pass the check and close a cycle together.
        await ch.conn.execute_query("SELECT pg_advisory_xact_lock($1)", [DEPENDENCY_LOCK])
    refuse_cycle(await _edges(ch.conn), task.id, depends_on.id)
    await TaskDependency.create(task_id=task.id, depends_on_id=depends_on.id, using_db=ch.conn)
    await write_task(ch, task)
    ch.record(EventKind.DEPENDENCY_ADDED, actor.label, task_id=task.id, depends_on=depends_on.id)


async def add_dependency(ctx: Context, actor: Actor, task_id: int, depends_on: int) -> Task:
    """Make a task wait for another: it is not handed out until that one is done."""
    require_operator(actor, "add dependencies")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        other = await load_task(depends_on, ch.conn)
        exists = (
            await TaskDependency.filter(task_id=task_id, depends_on_id=depends_on)
            .using_db(ch.conn)
            .exists()
        )
        if exists:
            return task
        await link(ch, actor, task, other)
    return task


async def remove_dependency(ctx: Context, actor: Actor, task_id: int, depends_on: int) -> Task:
    """Stop a task waiting for another."""
    require_operator(actor, "remove dependencies")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        removed = (
            await TaskDependency.filter(task_id=task_id, depends_on_id=depends_on)
            .using_db(ch.conn)
            .delete()
        )
        if not removed:
            raise ValidationFailed(
                f"Task #{task_id} does not depend on #{depends_on}.",
                task_id=task_id,
                depends_on=depends_on,
            )
        await write_task(ch, task)
        ch.record(EventKind.DEPENDENCY_REMOVED, actor.label, task_id=task.id, depends_on=depends_on)
    return task


async def open_dependencies(task_id: int, conn: BaseDBAsyncClient | None = None) -> list[int]:
    """The tasks this one waits for that are not done yet."""
    rows = (
        await TaskDependency.filter(task_id=task_id)
        .exclude(depends_on__status=TaskStatus.DONE)
        .using_db(conn)
        .values_list("depends_on_id", "task_id")
    )
    return sorted(int(row[0]) for row in rows)


def waiting_task_ids() -> Subquery:
    """Ids of the tasks that wait for an open one: the claim query leaves them out in SQL."""
    return Subquery(TaskDependency.exclude(depends_on__status=TaskStatus.DONE).values("task_id"))


async def refuse_open_children(task: Task, conn: BaseDBAsyncClient) -> None:
    """A parent is not done while one of its subtasks is still being worked on."""
    rows = await (
        Task.filter(parent_id=task.id, status__in=[*OPEN_STATUSES, TaskStatus.BLOCKED])
        .using_db(conn)
        .values_list("id", "status")
    )
    open_children = sorted(int(row[0]) for row in rows)
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
        rows = (
            await Task.filter(parent_id=parent_id)
            .using_db(ch.conn)
            .values_list("status", "progress")
        )
        value = mean_progress((TaskStatus(status), int(progress)) for status, progress in rows)
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
