"""LISTEN/NOTIFY wake-ups, so every process's hub hears of Events committed by any process.

The notification only carries the newest Event id (a few bytes, far below PostgreSQL's 8000-byte
payload limit): the hub reads the Events themselves from the database from its own cursor. So a
lost notification, or a listening connection that dropped for a while, loses nothing: on
reconnect the bus wakes the hub and the hub catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from mission_control.bus.base import Wake

log = logging.getLogger(__name__)

CHANNEL = "mission_control_events"
# Tortoise reads these from the URL's query string; asyncpg would reject them.
_TORTOISE_ONLY = {"minsize", "maxsize", "max_queries", "max_inactive_connection_lifetime"}


def asyncpg_dsn(database_url: str) -> str:
    """The MC_DATABASE_URL without the query parameters only Tortoise understands."""
    parts = urlsplit(database_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in _TORTOISE_ONLY]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A pool connection given back to its pool without asyncpg's reset query: Tortoise's pool
    (database.py) and the NOTIFY senders' here.

    On each release asyncpg sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;`: a round trip, and four statements for the server, for every query run
    outside a transaction, every transaction and every NOTIFY (several per claim and
    submit). No pool connection keeps session state to undo: advisory locks on them are
    taken per transaction (`pg_advisory_xact_lock`), LISTEN has its own connection (below),
    and so have the leader's and the migration's locks; nothing sets a session variable.
    What asyncpg does on the client side is kept: an open transaction is still rolled back,
    listeners dropped.
    """

    def get_reset_query(self) -> str:
        return ""


class PostgresBus:
    """One dedicated listening connection per process, plus a small pool to send NOTIFY."""

    def __init__(
        self,
        database_url: str,
        channel: str = CHANNEL,
        health_check_seconds: float = 5.0,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._channel = channel
        self._health_check = health_check_seconds
        self._max_backoff = max_backoff_seconds
        self._wake: Wake | None = None
        self._listener: asyncio.Task[None] | None = None
        self._senders: asyncpg.Pool | None = None
        self._sender: asyncio.Task[None] | None = None
        self._newest = 0  # the newest Event id announced to this process
        self._notified = 0  # the newest id a NOTIFY was sent for
        self._listening = asyncio.Event()
        self.reconnects = 0

    async def start(self, wake: Wake) -> None:
        """Connect and LISTEN before returning, so no Event committed afterwards goes unheard."""
        self._wake = wake
        self._senders = await asyncpg.create_pool(
            self._dsn, min_size=1, max_size=4, connection_class=PooledConnection
        )
        self._listener = asyncio.create_task(self._listen_forever(), name="postgres-bus")
        await asyncio.wait_for(self._listening.wait(), timeout=30)

    async def published(self, event_id: int) -> None:
        """Wake this process now, and NOTIFY every process without waiting for it.

        One NOTIFY is on its way at a time, carrying the newest id: the commits that land
        meanwhile share the next one. The id is only a hint (hubs read from their own
        cursor), so this loses nothing; the claim and submit no longer wait a round trip for
        it, and under load a process sends one NOTIFY per round trip instead of one per
        commit. A failure only delays the others' wake-up until the next NOTIFY.
        """
        if self._wake is not None:
            self._wake()  # this process need not wait for the round trip
        if self._senders is None:
            return
        self._newest = max(self._newest, event_id)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._notify(), name="postgres-notify")

    async def _notify(self) -> None:
        while self._senders is not None and self._newest > self._notified:
            newest = self._newest
            try:
                await self._senders.execute("SELECT pg_notify($1, $2)", self._channel, str(newest))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("NOTIFY for event %s failed; other processes catch up later", newest)
            self._notified = newest

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._sender is not None:  # the last commits' NOTIFY goes out before the pool closes
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._sender, 5)
            self._sender = None
        if self._senders is not None:
            await self._senders.close()
            self._senders = None
        self._wake = None

    async def _listen_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._listen_once()
                backoff = 0.1
            except Exception as error:  # whatever broke, keep listening: others rely on it
                log.warning("event listener lost its connection (%r); reconnecting", error)
            self._listening.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)
            self.reconnects += 1

    async def _listen_once(self) -> None:
        """Listen until the connection is lost; then the caller reconnects."""
        lost = asyncio.Event()
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=10)
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, self._on_notification)
            self._listening.set()
            self._notify_hub()  # catch up on whatever was committed while we were not listening
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._health_check)
                if not lost.is_set():
                    # A half-open TCP connection raises nothing by itself: probe it.
                    await conn.fetchval("SELECT 1", timeout=self._health_check)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()

    def _on_notification(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        self._notify_hub()

    def _notify_hub(self) -> None:
        if self._wake is not None:
            self._wake()
