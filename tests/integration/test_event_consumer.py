"""The once-only Event consumer on SQLite (the single-process default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Event
from mission_control.services.consumers import consume_events
from mission_control.services.context import Context
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import load_settings


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[Context]:
    settings = load_settings(database_url=f"sqlite://{tmp_path / 'mc.db'}")
    await open_database(settings)
    try:
        yield Context(settings)
    finally:
        await close_database()


async def test_a_new_consumer_starts_after_history_and_then_sees_each_new_event_once(
    ctx: Context,
) -> None:
    await create_task(ctx, OPERATOR, TaskDraft("Old news", "x", priority=3))
    seen: list[EventRecord] = []

    async def post(event: EventRecord) -> None:
        seen.append(event)

    assert await consume_events(ctx, "slack", post) == 0  # history is not replayed
    task = await create_task(ctx, OPERATOR, TaskDraft("Fresh", "x", priority=3))
    assert await consume_events(ctx, "slack", post) == 2
    assert await consume_events(ctx, "slack", post) == 0

    assert [(e.kind, e.task_id) for e in seen] == [
        (EventKind.CREATED, task.id),
        (EventKind.TRIAGED, task.id),
    ]
    newest = await Event.all().order_by("-id").first()
    assert newest is not None and seen[-1].id == newest.id
