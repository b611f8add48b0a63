"""Query resolvers."""

from __future__ import annotations

from mission_control.domain.events import EventKind
from mission_control.resolvers.context import Info, caller
from mission_control.schema import types
from mission_control.schema.inputs import TaskFilter
from mission_control.store import queries


def _query(where: TaskFilter | None) -> queries.TaskQuery:
    if where is None:
        return queries.TaskQuery()
    return queries.TaskQuery(
        statuses=tuple(where.status or ()),
        assignee=where.assignee,
        tag=where.tag,
        text=where.text,
        priority=where.priority,
        parent_id=where.parent_id,
    )


async def task(info: Info, id: int) -> types.Task:
    await caller(info)
    return types.Task.from_row(await queries.get_task(id))


async def tasks(
    info: Info, where: TaskFilter | None = None, first: int = 50, after: str | None = None
) -> types.TaskConnection:
    await caller(info)
    query = _query(where)
    page = await queries.list_tasks(query, first, after, with_total=False)
    return types.TaskConnection.from_page(page, count=lambda: queries.count_tasks(query))


async def board(info: Info, where: TaskFilter | None = None, per_column: int = 50) -> types.Board:
    await caller(info)
    columns = await queries.board(_query(where), per_column)
    return types.Board(columns=[types.Column.from_data(column) for column in columns])


async def task_history(info: Info, task_id: int) -> list[types.Event]:
    await caller(info)
    return [types.Event.from_record(record) for record in await queries.task_history(task_id)]


async def events(info: Info, after: int = 0, limit: int = 200) -> list[types.Event]:
    await caller(info)
    return [types.Event.from_record(record) for record in await queries.events_after(after, limit)]


async def me(info: Info) -> str:
    actor = await caller(info)
    return actor.label


__all__ = ["EventKind", "board", "events", "me", "task", "task_history", "tasks"]
