"""Edges between tasks as stored: "depends on" rows and the subtasks under a parent."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery

from mission_control.domain.workflow import OPEN_STATUSES, TaskStatus
from mission_control.models import Task, TaskDependency

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


async def dependents_of(task_id: int) -> list[int]:
    """The tasks that wait for this one."""
    rows = await TaskDependency.filter(depends_on_id=task_id).values_list("task_id", flat=True)
    return [int(str(row)) for row in rows]


async def lock_graph(conn: BaseDBAsyncClient) -> None:
    """Serialise edge writers on PostgreSQL: two edges added at once could each pass the cycle
    check and close a cycle together."""
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [DEPENDENCY_LOCK])


async def graph(conn: BaseDBAsyncClient) -> dict[int, list[int]]:
    """Every "depends on" edge, as task id → the ids it waits for."""
    edges: dict[int, list[int]] = {}
    for task_id, depends_on in (
        await TaskDependency.all().using_db(conn).values_list("task_id", "depends_on_id")
    ):
        edges.setdefault(int(task_id), []).append(int(depends_on))
    return edges


async def has_edge(task_id: int, depends_on: int, conn: BaseDBAsyncClient) -> bool:
    query = TaskDependency.filter(task_id=task_id, depends_on_id=depends_on).using_db(conn)
    return await query.exists()


async def add_edge(task_id: int, depends_on: int, conn: BaseDBAsyncClient) -> None:
    await TaskDependency.create(task_id=task_id, depends_on_id=depends_on, using_db=conn)


async def remove_edge(task_id: int, depends_on: int, conn: BaseDBAsyncClient) -> bool:
    """Delete the edge; False when there was none."""
    query = TaskDependency.filter(task_id=task_id, depends_on_id=depends_on).using_db(conn)
    return bool(await query.delete())


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


async def open_children(parent_id: int, conn: BaseDBAsyncClient) -> list[int]:
    """The parent's subtasks still open or blocked, lowest id first."""
    rows = await (
        Task.filter(parent_id=parent_id, status__in=[*OPEN_STATUSES, TaskStatus.BLOCKED])
        .using_db(conn)
        .values_list("id", "status")
    )
    return sorted(int(row[0]) for row in rows)


async def children_progress(
    parent_id: int, conn: BaseDBAsyncClient
) -> list[tuple[TaskStatus, int]]:
    """Each subtask's status and progress, for the parent's mean."""
    rows = await Task.filter(parent_id=parent_id).using_db(conn).values_list("status", "progress")
    return [(TaskStatus(status), int(progress)) for status, progress in rows]
