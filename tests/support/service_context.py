"""A services Context on a throw-away database with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mission_control.database import close_database, open_database
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.databases import database_url, forget_cached_queries

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a fixed day: day rollovers are exact


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def open_ctx(kind: str, tmp_path: Path, **settings: object) -> AsyncIterator[Context]:
    """Yields once: a Context on an empty migrated database of `kind` (sqlite/postgres)."""
    async with database_url(kind, tmp_path) as url:
        configured = Settings(database_url=url, **settings)  # type: ignore[arg-type]
        await open_database(configured)
        try:
            yield Context(configured, clock=Clock())
        finally:
            await close_database()
            forget_cached_queries()


def clock_of(ctx: Context) -> Clock:
    assert isinstance(ctx.clock, Clock)
    return ctx.clock
