"""The Subscription root: each stream's GraphQL signature, its values mapped to GraphQL types."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry

from mission_control.resolvers import agents as agent_resolvers
from mission_control.resolvers import subscriptions
from mission_control.resolvers.context import Info
from mission_control.schema.agents import AgentActivity
from mission_control.schema.types import Event, EventKind, TaskStatus


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Events after `since` (an Event id; replayed), then live ones, in one order that is "
            "the same for every subscriber and every replay."
        )
    )
    async def events(
        self,
        info: Info,
        since: int | None = None,
        task_id: int | None = None,
        status: list[TaskStatus] | None = None,
        kinds: list[EventKind] | None = None,
        agent: str | None = None,
    ) -> AsyncGenerator[Event, None]:
        stream = await subscriptions.events(info, since, task_id, status or (), kinds or (), agent)
        async with aclosing(stream):
            async for record in stream:
                yield Event.from_record(record)

    @strawberry.subscription(
        description="Live activity messages of one agent (or all): started, progress, ..."
    )
    async def agent_activity(
        self, info: Info, agent: str | None = None, since: int | None = None
    ) -> AsyncGenerator[AgentActivity, None]:
        stream = agent_resolvers.agent_activity(info, agent, since)
        async with aclosing(stream):
            async for activity, task in stream:
                yield AgentActivity.from_activity(activity, task)
