"""An Event consumer (the future Slack notifier) handles each Event once across processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import EventRecord
from mission_control.services.consumers import consume_events
from mission_control.services.context import Context
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import load_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
async def ctx(pg_url: str) -> AsyncIterator[Context]:
    settings = load_settings(database_url=pg_url)
    await open_database(settings)
    try:
        yield Context(settings)
    finally:
        await close_database()


async def add_tasks(ctx: Context, count: int) -> None:
    for n in range(count):
        await create_task(ctx, OPERATOR, TaskDraft(f"Task {n}", "x", priority=3))


async def test_two_consumers_racing_for_the_same_events_hand_each_out_once(
    ctx: Context, db: asyncpg.Connection
) -> None:
    await consume_events(ctx, "slack", lambda event: asyncio.sleep(0))  # starts the cursor here
    await add_tasks(ctx, 30)
    seen: list[int] = []

    async def post(event: EventRecord) -> None:
        await asyncio.sleep(0.001)  # a slow Slack call keeps the batch open
        seen.append(event.id)

    async def drain() -> None:
        while await consume_events(ctx, "slack", post, limit=7):
            pass

    await asyncio.gather(drain(), drain(), drain())

    logged = [row["id"] for row in await db.fetch("SELECT id FROM events ORDER BY id")]
    assert len(logged) == 60  # created + triaged per task
    assert seen == logged


async def test_a_failing_handler_keeps_the_cursor_at_the_last_event_it_handled(
    ctx: Context, db: asyncpg.Connection
) -> None:
    await consume_events(ctx, "slack", lambda event: asyncio.sleep(0))
    await add_tasks(ctx, 3)
    seen: list[int] = []

    async def flaky(event: EventRecord) -> None:
        if len(seen) == 2 and not failed:
            failed.append(event.id)
            raise ConnectionError("Slack is down")
        seen.append(event.id)

    failed: list[int] = []
    with pytest.raises(ConnectionError):
        await consume_events(ctx, "slack", flaky)
    assert await consume_events(ctx, "slack", flaky) == 4

    logged = [row["id"] for row in await db.fetch("SELECT id FROM events ORDER BY id")]
    assert seen == logged
    assert failed == [logged[2]]
