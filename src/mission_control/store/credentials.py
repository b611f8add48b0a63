"""What a request reads of its credential, and this process's cache of credentials it read
recently, so a request does not read its token's row (and its agent's) each time.

An entry lives `MC_CREDENTIAL_CACHE_SECONDS` at most. A revocation drops it sooner: at once in
the process that revoked, and in every other process when its TOKEN_REVOKED Event arrives
(runtime.py follows them). The time to live only bounds how long a process that misses that
Event (its bus connection down) keeps accepting a revoked token.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mission_control.domain.actors import Actor, Role
from mission_control.models import Credential

MAX_ENTRIES = 10_000  # tokens in use at once; past it the oldest entries go first


@dataclass(frozen=True, slots=True)
class CachedCredential:
    """What a request needs of its credential: who it is and until when it holds."""

    actor: Actor
    credential_id: int
    expires_at: datetime | None
    last_used_at: datetime | None
    read_at: datetime


class CredentialCache:
    """Token hash → the credential as read at `read_at`; positive answers only (an unknown or
    revoked token is read from the database on every request)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: dict[str, CachedCredential] = {}
        self._max = max_entries

    def get(self, token_hash: str, now: datetime, ttl_seconds: float) -> CachedCredential | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if (now - entry.read_at).total_seconds() >= ttl_seconds:
            del self._entries[token_hash]
            return None
        return entry

    def put(self, token_hash: str, entry: CachedCredential) -> None:
        self._entries.pop(token_hash, None)
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[token_hash] = entry

    def used(self, token_hash: str, at: datetime) -> None:
        """Remember the last use written to the row, so the next write waits its minute."""
        if (entry := self._entries.get(token_hash)) is not None:
            self._entries[token_hash] = replace(entry, last_used_at=at)

    def forget(self, credential_id: int) -> None:
        """Drop the credential (revoked, rotated): its next request reads the row again."""
        stale = [h for h, e in self._entries.items() if e.credential_id == credential_id]
        for token_hash in stale:
            del self._entries[token_hash]

    def __len__(self) -> int:
        return len(self._entries)


async def read_credential(token_hash: str, now: datetime) -> CachedCredential | None:
    """The live credential with this hash as a request needs it, None when unknown or revoked."""
    row = (
        await Credential.filter(token_hash=token_hash, revoked_at=None)
        .select_related("agent")
        .first()
    )
    if row is None:
        return None
    if row.role is Role.AGENT and row.agent is not None:
        actor = Actor(Role.AGENT, row.agent.name, row.agent.id, row.id)
    else:
        actor = Actor(row.role, row.name, None, row.id)
    return CachedCredential(actor, row.id, row.expires_at, row.last_used_at, read_at=now)


async def touch(credential_id: int, at: datetime) -> None:
    """Record the credential's last use."""
    await Credential.filter(id=credential_id).update(last_used_at=at)
