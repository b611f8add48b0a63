"""Which process runs the periodic work (lease expiry, automation, the Slack notifier).

On PostgreSQL the leader is the process holding a session advisory lock on a dedicated
connection. The lock lives exactly as long as that connection: when the leader dies (even by
kill -9) PostgreSQL drops its connection and frees the lock, and the next process that asks in
its round becomes the leader. On SQLite there is one process, always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import asyncpg

from mission_control.bus.postgres import asyncpg_dsn
from mission_control.settings import Settings

log = logging.getLogger(__name__)

# One number for the whole application; any constant works as long as all processes agree.
LEADER_LOCK = 7_362_002


class Leadership(Protocol):
    @property
    def is_leader(self) -> bool:
        """True while this process holds leadership (as of its last round)."""

    async def refresh(self) -> bool:
        """Take leadership if it is free, confirm it if held; returns is_leader."""

    async def release(self) -> None:
        """Give leadership up (on shutdown), so another process takes over at once."""


class SoleLeader:
    """A single process (SQLite): always the leader."""

    is_leader = True

    async def refresh(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLockLeader:
    """Leadership = holding `pg_try_advisory_lock(LEADER_LOCK)` on our own connection."""

    def __init__(self, database_url: str, key: int = LEADER_LOCK, timeout: float = 5.0) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._key = key
        self._timeout = timeout
        self._conn: asyncpg.Connection | None = None
        self._held = False

    @property
    def is_leader(self) -> bool:
        return self._held and self._conn is not None and not self._conn.is_closed()

    async def refresh(self) -> bool:
        """One round: probe the connection that holds the lock, or try to take the lock."""
        try:
            if self._conn is None or self._conn.is_closed():
                self._held = False
                self._conn = await asyncpg.connect(self._dsn, timeout=self._timeout)
            if self._held:
                await self._conn.fetchval("SELECT 1", timeout=self._timeout)
            else:
                self._held = bool(
                    await self._conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
                    )
                )
                if self._held:
                    log.info("this process now runs the periodic work (leader)")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
            if self._held:
                log.warning("lost leadership: its connection failed (%s)", error)
            await self._drop()
        return self.is_leader

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        """Close the connection: PostgreSQL frees the session lock with it."""
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()


def make_leadership(settings: Settings) -> Leadership:
    """An advisory-lock election on PostgreSQL; the lone process on SQLite."""
    if settings.is_postgres:
        return AdvisoryLockLeader(settings.database_url)
    return SoleLeader()
