"""A page's live feed: Events from the hub, coalesced so a burst costs one UI flush."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from mission_control.bus import EventHub
from mission_control.domain.events import EventFilter, EventRecord, Position

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1

Flush = Callable[[list[EventRecord]], Awaitable[None]]


class LiveFeed:
    """Collects Events as they come and hands them over at most once per `interval`.

    The first Event after a quiet spell is flushed at once; later ones wait for the interval, so
    100 Events in a burst reach the page as one or two flushes instead of 100 redraws.
    """

    def __init__(
        self,
        hub: EventHub,
        flush: Flush,
        since: int | Position | None = None,
        event_filter: EventFilter | None = None,
        interval: float = FLUSH_INTERVAL,
    ) -> None:
        self._hub = hub
        self._flush = flush
        self._since = since
        self._filter = event_filter
        self._interval = interval
        self._pending: list[EventRecord] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.flushes = 0

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="ui-live-listen"),
            asyncio.create_task(self._deliver(), name="ui-live-flush"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _listen(self) -> None:
        async for event in self._hub.subscribe(self._since, self._filter):
            self._pending.append(event)
            self._wake.set()

    async def _deliver(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            self.flushes += 1
            try:
                await self._flush(batch)
            except Exception:
                log.exception("updating a page with %s events failed", len(batch))
            await asyncio.sleep(self._interval)
