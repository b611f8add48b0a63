"""A WebSocket subscriber that keeps every Event it receives, for checking against the log."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from gql import GraphQLRequest

from tests.support.graphql import ws_client
from tests.support.server import ServerProcess

SUBSCRIBE = """
subscription($since: Int) { events(since: $since) { id kind taskId actor } }
"""


@dataclass
class Watcher:
    events: list[dict[str, Any]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> None:
        """Wait for the received Events to satisfy `done`, failing after `timeout` seconds."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: done(self.events))

    async def _take(self, event: dict[str, Any]) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()


@contextlib.asynccontextmanager
async def watching(server: ServerProcess, since: int) -> AsyncIterator[Watcher]:
    """Subscribe on `server` to every Event after `since` for the duration of the block."""
    watcher = Watcher()

    async def pump() -> None:
        async with ws_client(server.ws_url, server.operator_token) as session:
            request = GraphQLRequest(SUBSCRIBE, variable_values={"since": since})
            async for result in session.subscribe(request):
                await watcher._take(result["events"])

    task = asyncio.create_task(pump())
    try:
        yield watcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
