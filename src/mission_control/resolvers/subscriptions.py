"""Subscription resolvers: views of the Event log, replayed from `since`, then live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from mission_control.domain.events import EventFilter
from mission_control.resolvers.context import Info, caller
from mission_control.schema import types


async def events(
    info: Info,
    since: int | None = None,
    task_id: int | None = None,
    status: list[types.TaskStatus] | None = None,
    kinds: list[types.EventKind] | None = None,
    agent: str | None = None,
) -> AsyncGenerator[types.Event, None]:
    await caller(info)
    wanted = EventFilter(
        task_id=task_id,
        statuses=frozenset(status or ()),
        kinds=frozenset(kinds or ()),
        agent_name=agent,
    )
    async for record in info.context.hub.subscribe(since, wanted):
        yield types.Event.from_record(record)
