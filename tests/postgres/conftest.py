"""A fresh PostgreSQL database per test, created on the real server and dropped afterwards.

The tests skip, saying why, only when the server on 127.0.0.1:5432 cannot be reached.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from mission_control.database import close_database, open_database
from mission_control.settings import Settings
from tests.support.databases import forget_cached_queries, postgres_database
from tests.support.server import ServerProcess

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"


async def admin() -> asyncpg.Connection:
    """A connection to the maintenance database; skips the test when PostgreSQL is down."""
    try:
        return await asyncpg.connect(ADMIN_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as error:
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_URL}: {error}")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty database of our own (mc_test_<random>)."""
    name = f"mc_test_{secrets.token_hex(6)}"
    conn = await admin()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        conn = await admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test database, for looking at rows the API does not show."""
    conn = await asyncpg.connect(pg_url)
    try:
        yield conn
    finally:
        await conn.close()


FAST_LEASES = {"MC_LEASE_SECONDS": "5", "MC_SWEEP_INTERVAL_SECONDS": "0.3"}


@pytest.fixture
def start_server(tmp_path: Path, pg_url: str) -> Iterator[type[ServerProcess]]:
    """Starts servers sharing the test database; all are stopped after the test."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        workdir = tmp_path / f"server{len(started)}"
        workdir.mkdir()
        process = ServerProcess(workdir=workdir, database_url=pg_url, env=env)
        started.append(process)
        return process.start()

    try:
        yield start  # type: ignore[misc]
    finally:
        for process in started:
            process.stop()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh database opened for in-process services (Tortoise in this process): its URL."""
    async with postgres_database() as url:
        forget_cached_queries()  # an earlier test in this process may have cached SQLite's SQL
        await open_database(Settings(database_url=url))
        try:
            yield url
        finally:
            await close_database()
            forget_cached_queries()
