"""Tokens for agents and people: issued once, stored hashed, resolved to an Actor per request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.actors import OPERATOR, Actor, Role
from mission_control.domain.errors import Unauthenticated
from mission_control.domain.events import EventRecord
from mission_control.models import Credential
from mission_control.store.context import Context
from mission_control.store.credentials import CachedCredential

TOKEN_BYTES = 24
LAST_USED_GRANULARITY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    """Tokens are long random strings, so one SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"


async def issue_token(
    ctx: Context,
    role: Role,
    name: str,
    agent_id: int | None = None,
    conn: BaseDBAsyncClient | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Create a credential and return its token; only the hash is kept."""
    token = new_token({Role.AGENT: "mca", Role.VIEWER: "mcv"}.get(role, "mco"))
    await Credential.create(
        token_hash=hash_token(token),
        role=role,
        name=name,
        agent_id=agent_id,
        created_at=ctx.clock(),
        expires_at=expires_at,
        using_db=conn,
    )
    return token


async def ensure_operator_token(ctx: Context) -> str | None:
    """On first start, make an operator token and return it (None when one exists)."""
    if ctx.settings.operator_token:
        return None
    if await Credential.filter(role=Role.OPERATOR, revoked_at=None).exists():
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
        entry = await _read_credential(token_hash, now)
        if ttl > 0:
            ctx.credentials.put(token_hash, entry)
    if entry.expires_at is not None and entry.expires_at <= now:
        raise Unauthenticated("This token has expired; ask the operator for a new one.")
    if entry.last_used_at is None or now - entry.last_used_at > LAST_USED_GRANULARITY:
        # Coarse on purpose: one write a minute per token, not one per request.
        await Credential.filter(id=entry.credential_id).update(last_used_at=now)
        ctx.credentials.used(token_hash, now)
    return entry.actor


async def _read_credential(token_hash: str, now: datetime) -> CachedCredential:
    credential = (
        await Credential.filter(token_hash=token_hash, revoked_at=None)
        .select_related("agent")
        .first()
    )
    if credential is None:
        raise Unauthenticated("This token is not valid (unknown or revoked).")
    if credential.role is Role.AGENT and credential.agent is not None:
        actor = Actor(Role.AGENT, credential.agent.name, credential.agent.id, credential.id)
    else:
        actor = Actor(credential.role, credential.name, None, credential.id)
    return CachedCredential(
        actor, credential.id, credential.expires_at, credential.last_used_at, read_at=now
    )


async def forget_revoked(ctx: Context, events: AsyncIterator[EventRecord]) -> None:
    """Follow TOKEN_REVOKED Events (from any process) and drop those credentials from this
    process's cache; runs for the server's life (runtime.py)."""
    async for event in events:
        credential_id = event.payload.get("credential_id")
        if isinstance(credential_id, int):
            ctx.credentials.forget(credential_id)
