"""In-process service tests: the services called directly on a real SQLite file, no server.

Each test gets a fresh database by copying one migrated at the start of the session (a file
copy instead of running the migrations again), and a clock it moves by hand.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import Tortoise

from mission_control.database import close_database, migrate, tortoise_config
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.databases import forget_cached_queries

LEASE_SECONDS = 60
OFFLINE_AFTER_SECONDS = 120
APPROVAL_TIMEOUT_SECONDS = 30


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file with every migration applied, copied by each test."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"

    async def build() -> None:
        await migrate(Settings(database_url=f"sqlite://{path}"))
        await Tortoise.close_connections()

    asyncio.run(build())
    forget_cached_queries()
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def ctx(tmp_path: Path, migrated_sqlite: Path, clock: Clock) -> AsyncIterator[Context]:
    """A Context on a fresh, migrated SQLite file of this test's own."""
    path = tmp_path / "mission-control.db"
    shutil.copyfile(migrated_sqlite, path)
    settings = Settings(
        database_url=f"sqlite://{path}",
        lease_seconds=LEASE_SECONDS,
        offline_after_seconds=OFFLINE_AFTER_SECONDS,
        approval_timeout_seconds=APPROVAL_TIMEOUT_SECONDS,
    )
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        yield Context(settings, clock=clock)
    finally:
        await close_database()
        forget_cached_queries()
