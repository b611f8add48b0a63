"""What a bus backend does: carry "new Events up to id N exist" between processes.

Events themselves are read from the database in id order by the hub, so a backend only has to
wake the hubs; losing a wake-up never loses an Event, the next one (or a reconnect) catches up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from mission_control.domain.events import EventRecord

Wake = Callable[[], None]


class EventStore(Protocol):
    """Where committed Events are read back from (the database's Event table)."""

    async def after(self, event_id: int, limit: int) -> Sequence[EventRecord]:
        """Up to `limit` Events with id greater than `event_id`, in id order."""

    async def last_id(self) -> int:
        """The id of the newest committed Event, 0 when there is none."""


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
