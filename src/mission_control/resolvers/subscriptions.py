"""Subscription resolvers: the Event log, replayed from `since`, then live."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.resolvers.context import Info, caller


async def events(
    info: Info,
    since: int | None,
    task_id: int | None,
    statuses: Sequence[TaskStatus],
    kinds: Sequence[EventKind],
    agent: str | None,
) -> AsyncGenerator[EventRecord, None]:
    """The hub's own stream (no generator of ours in between: each hop is paid per Event per
    subscriber), once the caller is known."""
    await caller(info)
    wanted = EventFilter(
        task_id=task_id,
        statuses=frozenset(statuses),
        kinds=frozenset(kinds),
        agent_name=agent,
    )
    return info.context.hub.subscribe(since, wanted)
