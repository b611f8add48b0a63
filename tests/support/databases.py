"""Throw-away databases: a SQLite file, or a private database on the local PostgreSQL server."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from tortoise.backends.base import executor

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty database of our own (the server is shared), dropped afterwards."""
    name = f"mc_core_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{POSTGRES_SERVER}/test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def database_url(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "postgres":
        async with postgres_database() as url:
            yield url
    else:
        yield f"sqlite://{tmp_path / 'mission-control.db'}"


def forget_cached_queries() -> None:
    """Let the next database in this process have another dialect.

    Tortoise caches each model's SQL by connection name and table, not by dialect, so after a
    SQLite database a PostgreSQL one would be sent SQLite placeholders (`?`). A server process
    only ever opens one database; tests that open both in one process must clear the cache.
    """
    executor.EXECUTOR_CACHE.clear()


# The backend holding session advisory lock `$1` in *this* database. pg_locks is server-wide:
# another suite's database on the same server holds the same keys (advisory locks are scoped
# by database, `pg_locks.database`), so the filter on it is what keeps a test to its own.
ADVISORY_LOCK_HOLDER = """
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid = 0 AND objid = $1 AND objsubid = 1
"""
