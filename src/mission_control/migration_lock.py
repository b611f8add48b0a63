"""One migrator at a time: processes starting together on PostgreSQL take turns migrating.

Without it, N processes started at once on an empty database all run the first migration's
CREATE TABLEs concurrently and all but one crash. With it the first applies the migrations
and the others, once it is done, find them applied.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from mission_control.bus.postgres import asyncpg_dsn
from mission_control.settings import Settings

MIGRATION_LOCK = 7_362_003


@contextlib.asynccontextmanager
async def migration_lock(settings: Settings) -> AsyncIterator[None]:
    """Hold a session advisory lock for the block on PostgreSQL; nothing to hold on SQLite."""
    if not settings.is_postgres:
        yield
        return
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url), timeout=30)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield  # the lock goes with the connection, also if this process dies meanwhile
    finally:
        await conn.close()
