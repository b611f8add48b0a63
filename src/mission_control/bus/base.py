"""What a bus backend does: carry "new Events exist" between processes.

Events themselves are read from the database in delivery order by the hub, so a backend only
has to wake the hubs; losing a wake-up never loses an Event, the next one (or a reconnect)
catches up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from mission_control.domain.events import EventRecord, Position

Wake = Callable[[], None]


class Batch(Protocol):
    @property
    def events(self) -> Sequence[EventRecord]:
        """Final Events, in delivery order."""

    @property
    def waiting(self) -> bool:
        """Newer Events exist whose order is not final yet: read again soon."""


class EventStore(Protocol):
    """Where committed Events are read back from (the database's Event table), in delivery
    order (Position): only final Events, those no Event can later appear before."""

    async def after(self, position: Position, limit: int) -> Batch:
        """Up to `limit` final Events after `position`."""

    async def between(self, after: Position, until: Position, limit: int) -> Sequence[EventRecord]:
        """Up to `limit` Events in (after, until], a range already known to be final."""

    async def now(self) -> Position:
        """The position of the newest final Event (START when there is none)."""

    async def position_of(self, event_id: int) -> Position:
        """Where Event `event_id` stands, or a position before it when it is gone."""


class Bus(Protocol):
    async def start(self, wake: Wake) -> None:
        """Begin delivering wake-ups to `wake` (for Events from any process)."""

    async def published(self, event_id: int) -> None:
        """Announce, after commit, that Events up to `event_id` exist."""

    async def stop(self) -> None: ...


class InMemoryBus:
    """One process: a publish is a direct wake-up of the local hub."""

    def __init__(self) -> None:
        self._wake: Wake | None = None

    async def start(self, wake: Wake) -> None:
        self._wake = wake

    async def published(self, event_id: int) -> None:
        if self._wake is not None:
            self._wake()

    async def stop(self) -> None:
        self._wake = None
