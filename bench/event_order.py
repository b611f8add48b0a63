"""Concurrent Event writers on PostgreSQL: changes/s without the global Event-order lock.

    .venv/bin/python -m bench.event_order [--seconds 5] [--writers 8]

In-process services on a private database; each writer commits changes of one Event after a
few statements (as a claim does). The baseline, in the same run, takes the former
EVENT_ORDER_LOCK (`pg_advisory_xact_lock`) at the Event insert and holds it to commit, as
`Change.flush` did before issue 13. A live subscriber counts what it receives: every committed
Event must arrive once.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator

from bench.support import Table, postgres_database
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

FORMER_LOCK = 7_362_001
READS_PER_CHANGE = 6


async def writer(ctx: Context, until: float, lock: bool) -> int:
    done = 0
    while time.monotonic() < until:
        async with change(ctx) as ch:
            for _ in range(READS_PER_CHANGE):
                await ch.conn.execute_query("SELECT 1")
            if lock:
                await ch.conn.execute_query("SELECT pg_advisory_xact_lock($1)", [FORMER_LOCK])
            ch.record(EventKind.COMMENTED, OPERATOR.label, text="bench")
        done += 1
    return done


async def count(stream: AsyncIterator[EventRecord], seen: list[int]) -> None:
    async for event in stream:
        seen.append(event.id)


async def one_round(ctx: Context, hub: EventHub, writers: int, seconds: float, lock: bool) -> float:
    seen: list[int] = []
    before = await Event.all().count()
    listening = asyncio.create_task(count(hub.subscribe(), seen))
    while hub.subscriber_count == 0:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    done = sum(
        await asyncio.gather(*(writer(ctx, started + seconds, lock) for _ in range(writers)))
    )
    rate = done / (time.monotonic() - started)
    committed = await Event.all().count() - before
    async with asyncio.timeout(60):
        while len(seen) < committed:
            await asyncio.sleep(0.05)
    listening.cancel()
    assert len(seen) == len(set(seen)) == committed, "every Event delivered once"
    return rate


async def run(seconds: float = 5, writers: int = 8) -> list[Table]:
    table = Table(
        "Concurrent Event writers without the global lock",
        f"python -m bench.event_order --seconds {seconds:g} --writers {writers}",
    )
    async with postgres_database() as url:
        await open_database(Settings(database_url=f"{url}?maxsize={writers + 4}"))
        hub = EventHub(DatabaseEventStore(), InMemoryBus(), queue_size=1_000_000)
        await hub.start()
        try:
            ctx = Context(Settings(database_url=url), publisher=hub)
            await one_round(ctx, hub, writers, 1, lock=False)  # warm up
            locked = await one_round(ctx, hub, writers, seconds, lock=True)
            free = await one_round(ctx, hub, writers, seconds, lock=False)
        finally:
            await hub.stop()
            await close_database()
    table.add(
        f"{writers} writers: changes/s",
        free,
        locked,
        "/s",
        "the former lock",
    )
    table.notes.append("every committed Event reached the live subscriber once, in both rounds")
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    for table in asyncio.run(run(args.seconds, args.writers)):
        table.print()


if __name__ == "__main__":
    main()
