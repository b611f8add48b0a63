"""Query resolvers: plain arguments in, the store's read models out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mission_control.domain.events import EventRecord
from mission_control.resolvers.context import Info, caller
from mission_control.store import queries
from mission_control.store.views import TaskView


@dataclass(frozen=True)
class TaskList:
    """One page of tasks, and how to count them all (only when the query asks)."""

    page: queries.TaskPage
    count: Callable[[], Awaitable[int]]


async def task(info: Info, id: int) -> TaskView:
    await caller(info)
    return await queries.get_task(id)


async def tasks(info: Info, query: queries.TaskQuery, first: int, after: str | None) -> TaskList:
    await caller(info)
    page = await queries.list_tasks(query, first, after, with_total=False)
    return TaskList(page=page, count=lambda: queries.count_tasks(query))


async def board(info: Info, query: queries.TaskQuery, per_column: int) -> list[queries.Column]:
    await caller(info)
    return await queries.board(query, per_column)


async def task_history(info: Info, task_id: int) -> list[EventRecord]:
    await caller(info)
    return await queries.task_history(task_id)


async def events(info: Info, after: int = 0, limit: int = 200) -> list[EventRecord]:
    await caller(info)
    return await queries.events_after(after, limit)


async def me(info: Info) -> str:
    actor = await caller(info)
    return actor.label
