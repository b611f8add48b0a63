"""The rules run after an Event cost the same with a long backlog as with a short one.

In-process services on a fresh PostgreSQL database; the statements are counted from Tortoise's
log while the automation follows one Event, with 10 and then 1,000 other blocked and
auto-approvable review tasks on the board.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.automation import follow
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.inprocess import StatementLog

pytestmark = pytest.mark.postgres

FILL = """
INSERT INTO tasks (title, description, priority, tag_text, status, progress, version,
                   created_at, updated_at, status_changed_at, block_reason)
SELECT 'Filler ' || n, 'x', 3, $3, $2, 0, 1, now(), now(), now(), $4
FROM generate_series(1, $1::int) AS n
"""


async def backlog(url: str, count: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(FILL, count, "blocked", " ", "waiting for #999999")
        await conn.execute(FILL, count, "review", " auto-approve ", None)
    finally:
        await conn.close()


async def statements_after_a_submit(url: str, title: str) -> int:
    """Put a `trivial` task in review, then count what following its SUBMITTED Event costs."""
    now = datetime.now(UTC)
    task = await Task.create(
        title=title,
        tag_text=" trivial ",
        status=TaskStatus.REVIEW,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    event = EventRecord(
        id=1,
        kind=EventKind.SUBMITTED,
        actor="agent:test",
        created_at=now,
        task_id=task.id,
        from_status=TaskStatus.IN_PROGRESS,
        to_status=TaskStatus.REVIEW,
    )

    async def one() -> AsyncIterator[EventRecord]:
        yield event

    log = StatementLog()
    with log.recording() as statements:
        await follow(Context(Settings(database_url=url)), one())
    await task.refresh_from_db()
    assert task.status is TaskStatus.DONE, "the trivial task was approved by the rule"
    return len(statements)


async def test_following_a_submit_costs_the_same_with_100_times_the_backlog(
    database: str,
) -> None:
    await backlog(database, 10)
    small = await statements_after_a_submit(database, "small board")
    await backlog(database, 990)
    large = await statements_after_a_submit(database, "large board")
    assert small == large, (small, large)
    assert large <= 10
