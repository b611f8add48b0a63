"""What every service call needs: settings, the bus to announce on, and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from mission_control.domain.decomposition import Decomposer
from mission_control.settings import Settings
from mission_control.store.credentials import CredentialCache


def utcnow() -> datetime:
    return datetime.now(UTC)


class Publisher(Protocol):
    async def published(self, event_id: int) -> None: ...


class _Silent:
    async def published(self, event_id: int) -> None:
        return None


@dataclass
class Context:
    settings: Settings
    publisher: Publisher = field(default_factory=_Silent)
    clock: Callable[[], datetime] = utcnow
    # The edge adapter MC_DECOMPOSER=llm uses (adapters/llm_decomposer.py), wired by the
    # runtime so that services never import an adapter.
    llm_decomposer: Callable[[Settings], Decomposer] | None = None
    # Credentials this process read recently (store/credentials.py); one per Context.
    credentials: CredentialCache = field(default_factory=CredentialCache)
