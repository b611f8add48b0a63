"""The EventHub on a real SQLite file, fed by the real services."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.bus import EventHub
from mission_control.bus.base import InMemoryBus
from mission_control.bus.hub import FAN_OUT_SLICE
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import START, EventRecord, Position
from mission_control.models import Event
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore
from mission_control.store.journal import to_record
from tests.support.databases import database_url, forget_cached_queries

QUEUE_SIZE = 5


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    async with database_url(request.param, tmp_path) as url:
        settings = Settings(database_url=url, subscriber_queue_size=QUEUE_SIZE)
        await open_database(settings)
        try:
            yield settings
        finally:
            await close_database()
            forget_cached_queries()


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[EventHub]:
    hub = EventHub(DatabaseEventStore(), InMemoryBus(), settings.subscriber_queue_size)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.fixture
def ctx(settings: Settings, hub: EventHub) -> Context:
    return Context(settings, publisher=hub)


async def write_events(ctx: Context, count: int, label: str = "task") -> None:
    """One Event each: an incomplete task stays in intake, so only CREATED is recorded."""
    for n in range(count):
        await create_task(ctx, OPERATOR, TaskDraft(title=f"{label} {n}"))


async def stored_ids(after: Position = START) -> list[int]:
    """The ids of the stored Events after `after`, in delivery order ((tx, id); on SQLite the
    ids')."""
    rows = await Event.all().order_by("tx", "id")
    return [row.id for row in rows if Position(row.tx, row.id) > after]


async def position(event_id: int) -> Position:
    row = await Event.get(id=event_id)
    return Position(row.tx, row.id)


async def take(stream: AsyncIterator[EventRecord], count: int) -> list[int]:
    return [(await asyncio.wait_for(anext(stream), 10)).id for _ in range(count)]


async def wait_for_subscribers(hub: EventHub, count: int) -> None:
    """A subscription registers on its first read; poll that observable fact with a deadline."""
    deadline = time.monotonic() + 5
    while hub.subscriber_count < count:
        assert time.monotonic() < deadline, "the subscription never registered"
        await asyncio.sleep(0.01)


async def wait_for_cursor(hub: EventHub, until: Position) -> None:
    """The hub has fanned out everything up to `until` (polled with a deadline)."""
    deadline = time.monotonic() + 5
    while hub.cursor < until:
        assert time.monotonic() < deadline, "the hub never caught up"
        await asyncio.sleep(0.01)


async def test_every_subscriber_receives_every_event_in_order(ctx: Context, hub: EventHub) -> None:
    base = await DatabaseEventStore().now()
    streams = [hub.subscribe(since=base) for _ in range(25)]
    readers = [asyncio.create_task(take(stream, 40)) for stream in streams]

    await write_events(ctx, 40)

    received = await asyncio.gather(*readers)
    expected = await stored_ids(base)
    assert len(expected) == 40
    assert all(ids == expected for ids in received)


async def test_a_fan_out_over_several_slices_keeps_every_subscriber_in_order(
    ctx: Context, hub: EventHub
) -> None:
    base = await DatabaseEventStore().now()
    count = 2 * FAN_OUT_SLICE + 1
    readers = [asyncio.create_task(take(hub.subscribe(since=base), 4)) for _ in range(count)]
    await wait_for_subscribers(hub, count)

    await write_events(ctx, 4)  # under the queue size: every subscriber stays live

    received = await asyncio.gather(*readers)
    expected = await stored_ids(base)
    assert len(expected) == 4
    assert all(ids == expected for ids in received)


async def test_a_fan_out_lets_other_work_run_between_slices(ctx: Context, hub: EventHub) -> None:
    """A write's database reply waits for one slice of deliveries, not for all of them."""
    base = await DatabaseEventStore().now()
    count = 3 * FAN_OUT_SLICE
    turns = 0
    seen_at: list[int] = []

    async def read(stream: AsyncIterator[EventRecord]) -> None:
        await take(stream, 1)
        seen_at.append(turns)

    async def count_turns() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)  # once per loop turn

    readers = [asyncio.create_task(read(hub.subscribe(since=base))) for _ in range(count)]
    await wait_for_subscribers(hub, count)
    ticker = asyncio.create_task(count_turns())
    try:
        await write_events(ctx, 1)
        await asyncio.gather(*readers)
    finally:
        ticker.cancel()

    assert len(set(seen_at)) >= count // FAN_OUT_SLICE, "deliveries spread over loop turns"


async def test_replay_then_live_has_no_gap_and_no_duplicate_while_writes_continue(
    ctx: Context, hub: EventHub
) -> None:
    await write_events(ctx, 60, "before")
    history = await stored_ids()
    # Four writers at once: on PostgreSQL their transactions really overlap.
    writer = asyncio.gather(*(write_events(ctx, 30, f"writer {w}") for w in range(4)))
    # Subscribers join at different points of the history while the writer is running.
    starts = [0, history[9], history[30], history[-1]]
    missed = [180 - sum(i <= start for i in history) for start in starts]
    readers = [
        asyncio.create_task(take(hub.subscribe(since=start), count))
        for start, count in zip(starts, missed, strict=True)
    ]
    await writer
    received = await asyncio.gather(*readers)

    everything = await stored_ids()
    assert len(everything) == 180
    for start, ids in zip(starts, received, strict=True):
        assert ids == (everything[everything.index(start) + 1 :] if start else everything)


async def test_slow_subscriber_overflows_without_slowing_others_and_still_gets_every_event(
    ctx: Context, hub: EventHub
) -> None:
    base = await DatabaseEventStore().now()
    await write_events(ctx, 3, "first")
    await wait_for_cursor(hub, await DatabaseEventStore().now())
    slow, fast = hub.subscribe(since=base), hub.subscribe(since=base)
    fast_reader = asyncio.create_task(take(fast, 33))
    slow_seen = await take(slow, 3)  # replayed from the store; then the slow one stalls

    await write_events(ctx, 30, "burst")  # six times its queue while it stalls

    fast_seen = await asyncio.wait_for(fast_reader, 10)
    expected = await stored_ids(base)
    assert fast_seen == expected, "the fast subscriber got everything while the slow one stalled"
    assert hub.subscriber_count == 1, "the slow subscriber was cut loose when its queue filled"

    slow_seen += await take(slow, 30)  # it resumes from its last id by replaying
    assert slow_seen == expected

    await write_events(ctx, 1, "after")
    last = (await stored_ids(await position(expected[-1])))[0]
    assert await take(slow, 1) == [last] and await take(fast, 1) == [last]
    for stream in (slow, fast):
        await stream.aclose()  # type: ignore[attr-defined]


async def test_subscription_without_since_starts_after_the_newest_committed_event(
    settings: Settings, ctx: Context, hub: EventHub
) -> None:
    await write_events(ctx, 3, "old")
    # Committed but not yet fanned out: written without waking the hub.
    await write_events(Context(settings), 4, "unannounced")
    assert hub.cursor < await DatabaseEventStore().now()

    stream = hub.subscribe()
    first = asyncio.create_task(take(stream, 1))
    await wait_for_subscribers(hub, 1)
    await write_events(ctx, 1, "new")

    newest = (await stored_ids())[-1]
    assert await first == [newest]


async def test_the_store_reads_each_event_as_the_orm_sees_its_row(ctx: Context) -> None:
    """The reads are hand-written SQL building EventRecords from rows: the same records as
    the ORM model gives (timestamps aware, payload a dict, statuses typed)."""
    await write_events(ctx, 2)
    await create_task(ctx, OPERATOR, TaskDraft(title="Ready", description="d", priority=2))
    rows = await Event.all().order_by("id")
    expected = sorted((to_record(row) for row in rows), key=lambda event: event.position)
    store = DatabaseEventStore()

    assert list((await store.after(START, 100)).events) == expected
    assert await store.between(START, expected[-1].position, 100) == expected
    assert await store.now() == expected[-1].position
    assert any(event.payload for event in expected) and any(event.to_status for event in expected)
