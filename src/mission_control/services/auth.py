"""Tokens for agents and people: issued once, stored hashed, resolved to an Actor per request."""

from __future__ import annotations

import hashlib
import secrets

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.actors import OPERATOR, Actor, Role, agent_actor
from mission_control.domain.errors import Unauthenticated
from mission_control.models import Credential
from mission_control.store.context import Context

TOKEN_BYTES = 24


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
) -> str:
    """Create a credential and return its token; only the hash is kept."""
    token = new_token({Role.AGENT: "mca", Role.VIEWER: "mcv"}.get(role, "mco"))
    await Credential.create(
        token_hash=hash_token(token),
        role=role,
        name=name,
        agent_id=agent_id,
        created_at=ctx.clock(),
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
    credential = await Credential.get_or_none(
        token_hash=hash_token(token), revoked_at=None
    ).prefetch_related("agent")
    if credential is None:
        raise Unauthenticated("This token is not valid (unknown or revoked).")
    if credential.role is Role.AGENT and credential.agent is not None:
        return agent_actor(credential.agent.name, credential.agent.id)
    return Actor(credential.role, credential.name)
