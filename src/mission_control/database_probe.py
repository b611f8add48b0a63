"""Whether the configured database can be opened, asked before start-up so that a bad
MC_DATABASE_URL fails in seconds with its cause instead of hanging the server's start."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from mission_control.bus.postgres import asyncpg_dsn
from mission_control.database import create_private_file
from mission_control.settings import Settings

PROBE_SECONDS = 8.0  # the whole probe, well inside the 10 s a person waits for an answer


class DatabaseUnavailable(Exception):
    """The database cannot be opened; the message names MC_DATABASE_URL and the cause."""


def shown_url(url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def sqlite_path(url: str) -> str:
    """The file of a `sqlite://PATH` URL (query parameters dropped)."""
    return url.removeprefix("sqlite://").split("?", 1)[0]


def _probe_sqlite(url: str) -> None:
    path = sqlite_path(url)
    if path in ("", ":memory:"):
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise DatabaseUnavailable(f"the directory {folder} does not exist")
    try:
        create_private_file(url)  # before sqlite3 would create it world-readable
        conn = sqlite3.connect(path, timeout=PROBE_SECONDS / 2)
        try:
            # A write, rolled back: a read-only file or folder fails here, not at first use.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as error:
        raise DatabaseUnavailable(f"SQLite cannot open {path} for writing: {error}") from None


async def _probe_postgres(url: str) -> None:
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=PROBE_SECONDS / 2)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
        cause = str(error) or type(error).__name__
        raise DatabaseUnavailable(f"PostgreSQL refused the connection: {cause}") from None
    await conn.close()


async def probe_database(settings: Settings) -> None:
    """Open the database once and close it; DatabaseUnavailable says why it cannot be used."""
    url = settings.database_url
    try:
        if settings.is_postgres:
            await asyncio.wait_for(_probe_postgres(url), PROBE_SECONDS)
        else:
            await asyncio.wait_for(asyncio.to_thread(_probe_sqlite, url), PROBE_SECONDS)
        return
    except TimeoutError:
        cause = f"no answer within {PROBE_SECONDS:.0f}s"
    except DatabaseUnavailable as error:
        cause = str(error)
    raise DatabaseUnavailable(f"MC_DATABASE_URL={shown_url(url)}: {cause}")
