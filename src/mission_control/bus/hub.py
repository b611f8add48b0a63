"""Fan-out of committed Events to local subscribers, with replay and bounded queues."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from mission_control.bus.base import Bus, EventStore
from mission_control.domain.events import START, EventFilter, EventRecord, Position

log = logging.getLogger(__name__)

BATCH = 500
# While Events wait behind a running writer (EventStore.after's `waiting`), look again after
# this long, doubling up to the last: the writer's own commit wakes the hub sooner, but a
# transaction that writes no Event (a lease renewal, say) announces nothing when it ends.
RECHECK_SECONDS = (0.01, 0.5)
# Reads of the log start at least this far apart: under a stream of commits (hundreds a second
# while agents claim and submit) every process's hub would otherwise read once per commit.
# A commit that comes after a quiet spell is read at once.
READ_GAP_SECONDS = 0.005
# Subscribers served per loop turn: a slice's deliveries (direct ones with their writes on
# the next turn) take a millisecond or two, and a write's database reply waits for about one
# slice, not for the whole fan-out. 32 rather than 50: createTask p99 under 500 watchers
# 19.9 ms against 20-38 ms, fan-out p99 at 500 unchanged within noise (bench.write_latency,
# bench.fanout).
FAN_OUT_SLICE = 32


class _Overflow:
    """Put in place of a slow subscriber's backlog: it resumes by replaying from the store."""


class _Closed:
    """The hub stopped: the subscription ends."""


OVERFLOW, CLOSED = _Overflow(), _Closed()
_SERIALS = itertools.count(1)


class DirectDelivery(Protocol):
    """What a subscription's consumer offers the hub: deliver one Event itself, at once, or
    say it can't (False: the Event goes through the queue, as every Event otherwise does)."""

    def deliver(self, event: EventRecord) -> bool: ...


# Set by the consumer in the task that iterates `subscribe` (web/websocket.py, for a
# graphql-transport-ws operation); read once when the subscription starts.
direct_delivery: ContextVar[DirectDelivery | None] = ContextVar("direct_delivery", default=None)


@dataclass(eq=False)
class _Subscriber:
    filter: EventFilter
    queue: asyncio.Queue[EventRecord | _Overflow | _Closed] = field(init=False)
    size: int = 1000
    direct: DirectDelivery | None = None
    # The position of the last Event handed on (by the stream or directly); the stream sets
    # `waiting` while it waits on an empty queue, every earlier Event handed on and sent.
    last: Position = START
    waiting: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.size + 1)

    def take_directly(self, event: EventRecord) -> bool:
        """Deliver the event without the queue when that keeps the order: only while the
        stream waits on an empty queue, so nothing of this subscriber's is in flight."""
        if self.direct is None or not self.waiting or self.queue.qsize():
            return False
        if event.position <= self.last:
            return True  # already had it (replayed): the stream would skip it too
        try:
            delivered = self.direct.deliver(event)
        except Exception:
            log.exception("direct delivery failed; the Event goes through the queue")
            self.direct = None
            return False
        if delivered:
            self.last = event.position
        return delivered

    def offer(self, event: EventRecord) -> bool:
        """Queue the event; False when the subscriber is too far behind and was cut loose."""
        if self.queue.qsize() >= self.size:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)
            return False
        self.queue.put_nowait(event)
        return True


class EventHub:
    """Reads new Events from the store in delivery order and hands each to the subscribers that
    want it.

    Delivery order is by Position (the writer's transaction id, then the Event id; on SQLite
    simply the id), and the store hands out only final Events: no Event can later appear
    below one already read (store/event_log.py). The hub's cursor is the position of the last
    Event fanned out. A subscriber registered at cursor c is given every Event after c live,
    and replays (since, c] from the store: no gap, no duplicate. Public cursors are Event ids;
    `subscribe` maps one to its position.
    """

    def __init__(self, store: EventStore, bus: Bus, queue_size: int = 1000) -> None:
        self._store = store
        self._bus = bus
        self._queue_size = queue_size
        # Tells this hub's Events from another's in one process (tests run several runtimes
        # one after another, each with its own database and ids from 1): see schema/execution.py.
        self.serial = next(_SERIALS)
        self._subscribers: set[_Subscriber] = set()
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.cursor: Position = START

    async def start(self) -> None:
        self.cursor = await self._store.now()
        await self._bus.start(self.wake)
        self._pump = asyncio.create_task(self._run(), name="event-hub")

    def wake(self) -> None:
        self._wake.set()

    async def published(self, event_id: int) -> None:
        await self._bus.published(event_id)

    async def stop(self) -> None:
        await self._bus.stop()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        for subscriber in self._subscribers:
            subscriber.queue.put_nowait(CLOSED)
        self._subscribers.clear()

    async def _run(self) -> None:
        recheck: float | None = None
        clock = asyncio.get_running_loop().time
        last_read = clock() - READ_GAP_SECONDS
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), recheck)
            gap = READ_GAP_SECONDS - (clock() - last_read)
            if gap > 0:
                await asyncio.sleep(gap)  # the commits of the gap are read together
            self._wake.clear()
            last_read = clock()
            try:
                waiting = await self._catch_up()
            except Exception:
                log.exception("reading new events failed; retrying on the next wake-up")
                await asyncio.sleep(0.5)
                self._wake.set()
                continue
            first, most = RECHECK_SECONDS
            recheck = (first if recheck is None else min(recheck * 2, most)) if waiting else None

    async def _catch_up(self) -> bool:
        """Fan out every final Event after the cursor; True when later ones are waiting."""
        while True:
            batch = await self._store.after(self.cursor, BATCH)
            if batch.events:
                self.cursor = batch.events[-1].position
                await self._fan_out(batch.events)
            if len(batch.events) < BATCH:
                return batch.waiting

    async def _fan_out(self, events: Sequence[EventRecord]) -> None:
        """Offer the events to every subscriber, yielding to the loop after each slice.

        Each offer wakes a subscriber whose delivery (its GraphQL payload, its WebSocket
        write) runs on the next loop turn; without the pauses thousands of deliveries would
        run back to back ahead of the writes' database replies. A subscriber that joins
        meanwhile replays up to the cursor, set before this: no gap, no duplicate.
        """
        for n, subscriber in enumerate(list(self._subscribers), start=1):
            for event in events:
                if not subscriber.filter.matches(event) or subscriber.take_directly(event):
                    continue
                if not subscriber.offer(event):
                    self._subscribers.discard(subscriber)
                    break
            if n % FAN_OUT_SLICE == 0:
                await asyncio.sleep(0)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def subscribe(
        self, since: int | Position | None = None, event_filter: EventFilter | None = None
    ) -> AsyncGenerator[EventRecord, None]:
        """Events after `since` (an Event id or a position; from now on when None), then live
        ones, in delivery order."""
        wanted = event_filter or EventFilter()
        direct = direct_delivery.get()
        last = await self._start_of(since)
        while True:
            subscriber = _Subscriber(wanted, size=self._queue_size, direct=direct)
            start = self.cursor
            self._subscribers.add(subscriber)
            try:
                async for event in self._replay(last, start, wanted):
                    yield event
                subscriber.last = max(last, start)
                while True:
                    subscriber.waiting = True
                    try:
                        item = await subscriber.queue.get()
                    finally:
                        subscriber.waiting = False
                    if isinstance(item, _Closed):
                        return
                    if isinstance(item, _Overflow):
                        log.warning(
                            "a subscriber fell %s events behind; replaying", self._queue_size
                        )
                        break
                    if item.position <= subscriber.last:
                        continue
                    subscriber.last = item.position
                    yield item
                last = subscriber.last
            finally:
                self._subscribers.discard(subscriber)

    async def _start_of(self, since: int | Position | None) -> Position:
        """The position a subscription starts after. "From now on" is after the newest final
        Event, which the pump may not have fanned out yet: anything at or below it is skipped
        when it arrives live. An Event id maps to its position; one whose Event is gone maps
        to a position at or before it (a few Events again, none skipped)."""
        if since is None:
            return await self._store.now()
        if isinstance(since, Position):
            return since
        return await self._store.position_of(since)

    async def _replay(
        self, after: Position, until: Position, wanted: EventFilter
    ) -> AsyncIterator[EventRecord]:
        while after < until:
            batch = await self._store.between(after, until, BATCH)
            if not batch:
                return
            for event in batch:
                if wanted.matches(event):
                    yield event
            after = batch[-1].position
