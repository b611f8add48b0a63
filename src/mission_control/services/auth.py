"""Tokens for agents and people: issued once, stored hashed, resolved to an Actor per request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from mission_control.domain.actors import OPERATOR, Actor, Role
from mission_control.domain.errors import Unauthenticated
from mission_control.domain.events import EventRecord
from mission_control.store import credentials, tokens
from mission_control.store.context import Context
from mission_control.store.journal import Change

TOKEN_BYTES = 24
LAST_USED_GRANULARITY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"


@dataclass(frozen=True, slots=True)
class Issued:
    """A credential just created: its id, and its token (shown once, never stored)."""

    credential_id: int
    token: str


async def issue_credential(
    ctx: Context,
    role: Role,
    name: str,
    agent_id: int | None = None,
    ch: Change | None = None,
    expires_at: datetime | None = None,
) -> Issued:
    """Create a credential (in the open change `ch`, if any); only its token's hash is kept."""
    token = new_token({Role.AGENT: "mca", Role.VIEWER: "mcv"}.get(role, "mco"))
    credential_id = await tokens.insert_credential(
        hash_token(token),
        role,
        name,
        agent_id,
        ctx.clock(),
        expires_at,
        ch.conn if ch is not None else None,
    )
    return Issued(credential_id, token)


async def issue_token(
    ctx: Context,
    role: Role,
    name: str,
    agent_id: int | None = None,
    ch: Change | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Create a credential and return its token; only the hash is kept."""
    return (await issue_credential(ctx, role, name, agent_id, ch, expires_at)).token


async def ensure_operator_token(ctx: Context) -> str | None:
    """On first start, make an operator token and return it (None when one exists)."""
    if ctx.settings.operator_token:
        return None
    if await tokens.live_operator_exists():
        return None
    return await issue_token(ctx, Role.OPERATOR, "operator")


async def authenticate(ctx: Context, token: str | None) -> Actor:
    """The actor a bearer token stands for, or UNAUTHENTICATED with what to do about it."""
    if not token:
        raise Unauthenticated(
            "No token: send 'Authorization: Bearer <token>' (an agent or operator token)."
        )
    configured = ctx.settings.operator_token
    if configured and secrets.compare_digest(token.encode(), configured.encode()):
        return OPERATOR
    return await authenticate_hash(ctx, hash_token(token))


async def authenticate_hash(ctx: Context, token_hash: str) -> Actor:
    """The actor for a token known by its hash (a board session keeps only the hash).

    Read from this process's credential cache when it is fresh (store/credentials.py): no
    statement for most requests. A revoked token leaves the cache at once here and, through its
    TOKEN_REVOKED Event, in every other process (`forget_revoked`); at worst (that Event missed)
    after MC_CREDENTIAL_CACHE_SECONDS."""
    configured = ctx.settings.operator_token
    if configured and secrets.compare_digest(token_hash, hash_token(configured)):
        return OPERATOR
    now = ctx.clock()
    ttl = ctx.settings.credential_cache_seconds
    entry = ctx.credentials.get(token_hash, now, ttl) if ttl > 0 else None
    if entry is None:
        entry = await credentials.read_credential(token_hash, now)
        if entry is None:
            raise Unauthenticated("This token is not valid (unknown or revoked).")
        if ttl > 0:
            ctx.credentials.put(token_hash, entry)
    if entry.expires_at is not None and entry.expires_at <= now:
        raise Unauthenticated("This token has expired; ask the operator for a new one.")
    if entry.last_used_at is None or now - entry.last_used_at > LAST_USED_GRANULARITY:
        # Coarse on purpose: one write a minute per token, not one per request.
        await credentials.touch(entry.credential_id, now)
        ctx.credentials.used(token_hash, now)
    return entry.actor


async def forget_revoked(ctx: Context, events: AsyncIterator[EventRecord]) -> None:
    """Follow TOKEN_REVOKED Events (from any process) and drop those credentials from this
    process's cache; runs for the server's life (runtime.py)."""
    async for event in events:
        credential_id = event.payload.get("credential_id")
        if isinstance(credential_id, int):
            ctx.credentials.forget(credential_id)
