"""Event delivery order without a global lock: no committed Event is ever skipped.

Ids are taken when a transaction writes its Events and become visible when it commits, so here
transactions are made to commit out of id order on purpose (one takes its transaction id early
and writes its Event last, one writes its Event first and commits last, one holds a
transaction id and writes no Event at all) while plain writers keep committing. Live
subscribers must receive every committed Event exactly once, in (tx, id) order, and so must one
that resumes from an Event id it was given.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest

from mission_control.bus import EventHub
from mission_control.bus.base import InMemoryBus
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Event
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore
from mission_control.store.journal import change
from tests.support.databases import forget_cached_queries, postgres_database

pytestmark = pytest.mark.postgres

WRITERS, EACH = 6, 15


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        forget_cached_queries()
        # Enough pooled connections for every writer and the held transactions at once.
        await open_database(Settings(database_url=f"{url}?maxsize=20"))
        try:
            yield url
        finally:
            await close_database()
            forget_cached_queries()


@pytest.fixture
async def hub(url: str) -> AsyncIterator[EventHub]:
    hub = EventHub(DatabaseEventStore(), InMemoryBus(), queue_size=10_000)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.fixture
def ctx(url: str, hub: EventHub) -> Context:
    return Context(Settings(database_url=url), publisher=hub)


async def write(ctx: Context, label: str) -> None:
    async with change(ctx) as ch:
        ch.record(EventKind.COMMENTED, OPERATOR.label, text=label)


async def writer(ctx: Context, n: int) -> None:
    rng = random.Random(n)
    for i in range(EACH):
        await write(ctx, f"writer {n} #{i}")
        await asyncio.sleep(rng.random() * 0.01)


async def xid_first_event_last(ctx: Context, go: asyncio.Event) -> None:
    """A low transaction id whose Event takes a high id."""
    async with change(ctx) as ch:
        await ch.conn.execute_query("SELECT pg_current_xact_id()")
        await go.wait()
        ch.record(EventKind.COMMENTED, OPERATOR.label, text="xid first, event last")


async def event_first_commit_last(ctx: Context, written: asyncio.Event, go: asyncio.Event) -> None:
    """A low transaction id and a low Event id, committed after everything else."""
    async with change(ctx) as ch:
        ch.record(EventKind.COMMENTED, OPERATOR.label, text="event first, commit last")
        await ch.flush()
        written.set()
        await go.wait()


async def silent_transaction(url: str, holding: asyncio.Event, go: asyncio.Event) -> None:
    """A transaction id held open that ends without writing an Event (nothing announces it)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.fetchval("SELECT pg_current_xact_id()")
            holding.set()
            await go.wait()
    finally:
        await conn.close()


async def collect(stream: AsyncIterator[EventRecord], into: list[EventRecord]) -> None:
    async for event in stream:
        into.append(event)


async def listen(hub: EventHub, into: list[EventRecord], since: int | None = None) -> asyncio.Task:
    """A subscriber collecting into `into`, registered with the hub when this returns."""
    count = hub.subscriber_count
    task = asyncio.create_task(collect(hub.subscribe(since), into))
    async with asyncio.timeout(10):
        while hub.subscriber_count == count:
            await asyncio.sleep(0.01)
    return task


async def stored() -> list[int]:
    """Every Event id in the table, in delivery order."""
    return [row.id for row in await Event.all().order_by("tx", "id")]


async def until(count: int, received: list[EventRecord]) -> None:
    try:
        async with asyncio.timeout(30):
            while len(received) < count:
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"{len(received)} of {count} Events arrived: {[e.id for e in received]}")


async def test_live_subscribers_get_every_event_once_while_commits_come_out_of_id_order(
    url: str, hub: EventHub, ctx: Context
) -> None:
    live: list[EventRecord] = []
    listening = await listen(hub, live)
    await write(ctx, "first")
    await until(1, live)

    go, written, holding = asyncio.Event(), asyncio.Event(), asyncio.Event()
    held = [
        asyncio.create_task(xid_first_event_last(ctx, go)),
        asyncio.create_task(event_first_commit_last(ctx, written, go)),
        asyncio.create_task(silent_transaction(url, holding, go)),
    ]
    await written.wait()
    await holding.wait()
    await asyncio.gather(*(writer(ctx, n) for n in range(WRITERS)))
    go.set()
    await asyncio.gather(*held)

    total = 2 + WRITERS * EACH + 1
    await until(total, live)
    in_order = await stored()
    assert len(in_order) == total
    assert [e.id for e in live] == in_order, "every committed Event, once, in (tx, id) order"
    assert in_order != sorted(in_order), "commits really came out of id order"

    # A subscriber that lost its connection resumes from the last id it saw and gets the rest.
    cut = total // 3
    resumed: list[EventRecord] = []
    resuming = await listen(hub, resumed, since=in_order[cut - 1])
    await write(ctx, "after the reconnect")
    await until(total - cut + 1, resumed)
    assert [e.id for e in resumed] == (await stored())[cut:]
    for task in (listening, resuming):
        task.cancel()


async def test_an_event_held_back_by_a_running_writer_is_released_when_it_commits(
    url: str, ctx: Context
) -> None:
    store = DatabaseEventStore()
    start = await store.now()
    go, holding = asyncio.Event(), asyncio.Event()
    silent = asyncio.create_task(silent_transaction(url, holding, go))
    await holding.wait()
    await write(ctx, "behind a running transaction")

    held = await store.after(start, 10)
    assert held.events == [] and held.waiting

    go.set()
    await silent
    released = await store.after(start, 10)
    assert [e.payload["text"] for e in released.events] == ["behind a running transaction"]
    assert not released.waiting


async def test_a_transaction_left_open_in_another_database_does_not_stall_delivery(
    hub: EventHub, ctx: Context
) -> None:
    async with postgres_database() as elsewhere:
        other = await asyncpg.connect(elsewhere)
        try:
            await other.execute("BEGIN")
            await other.fetchval("SELECT pg_current_xact_id()")  # older than anything below
            live: list[EventRecord] = []
            listening = await listen(hub, live)
            await write(ctx, "while another database idles in a transaction")

            await until(1, live)
            assert live[0].payload["text"] == "while another database idles in a transaction"
            listening.cancel()
        finally:
            await other.close()


async def test_resuming_after_a_deleted_event_replays_rather_than_skips(
    url: str, hub: EventHub, ctx: Context
) -> None:
    for n in range(3):
        await write(ctx, f"before {n}")
    ids = await stored()
    gone = ids[1]
    real = await DatabaseEventStore().position_of(gone)
    await Event.filter(id=gone).delete()  # as a superseded OUTPUT Event is

    assert await DatabaseEventStore().position_of(gone) <= real
    received: list[EventRecord] = []
    listening = await listen(hub, received, since=gone)
    await write(ctx, "after")
    newest = (await stored())[-1]
    async with asyncio.timeout(30):
        while newest not in [e.id for e in received]:
            await asyncio.sleep(0.02)
    got = [e.id for e in received]
    after_gone = [i for i in await stored() if i > gone]
    assert got[-len(after_gone) :] == after_gone, "everything after it, in order"
    assert set(got) - set(after_gone) <= set(ids), "and at most a few it had seen already"
    listening.cancel()
