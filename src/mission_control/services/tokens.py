"""Managing identities: list tokens (never their secret), issue named ones, revoke, rotate.

A revocation is an Event (TOKEN_REVOKED with the credential id): every process's open
WebSocket connections authenticated by that token close on it, and the board sessions opened
with it are deleted in the same transaction, so the next request or click is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Conflict, NotFound, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.models import BoardSession, Credential
from mission_control.services.auth import issue_token
from mission_control.store.context import Context
from mission_control.store.journal import change

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")
MAX_EXPIRY = timedelta(days=3650)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: everything but the secret."""

    id: int
    name: str
    role: Role
    agent: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


def _info(row: Credential) -> TokenInfo:
    agent = row.agent.name if row.agent_id is not None and row.agent else None
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=row.role,
        agent=agent,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def clean_token_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise ValidationFailed(
            f"Token name {name[:64]!r} is not valid: use up to 64 lower-case letters, digits "
            f"and - _ . @ (a person's name, e.g. klein).",
            field="name",
        )
    return name


def _expiry(ctx: Context, expires_in_seconds: int | None) -> datetime | None:
    if expires_in_seconds is None:
        return None
    if not 60 <= expires_in_seconds <= MAX_EXPIRY.total_seconds():
        raise ValidationFailed(
            "A token's lifetime is between 60 seconds and 10 years.", field="expiresInSeconds"
        )
    return ctx.clock() + timedelta(seconds=expires_in_seconds)


async def list_tokens(ctx: Context, actor: Actor, include_revoked: bool = False) -> list[TokenInfo]:
    """Every token the server knows (the operator only), oldest first."""
    require_operator(actor, "list tokens")
    query = Credential.all() if include_revoked else Credential.filter(revoked_at=None)
    return [_info(row) for row in await query.order_by("id").prefetch_related("agent")]


async def issue_person_token(
    ctx: Context, actor: Actor, name: str, role: Role, expires_in_seconds: int | None = None
) -> tuple[TokenInfo, str]:
    """A named token for a person (operator or viewer), shown once; the audit log names them."""
    require_operator(actor, "issue tokens")
    if role not in (Role.OPERATOR, Role.VIEWER):
        raise ValidationFailed(
            "People get operator or viewer tokens; an agent's token comes with registerAgent.",
            field="role",
        )
    name = clean_token_name(name)
    expires_at = _expiry(ctx, expires_in_seconds)
    async with change(ctx) as ch:
        token = await issue_token(ctx, role, name, None, ch.conn, expires_at)
        ch.record(EventKind.TOKEN_ISSUED, actor.label, token_name=name, role=str(role))
    row = (
        await Credential.filter(revoked_at=None, name=name, role=role)
        .order_by("-id")
        .prefetch_related("agent")
        .first()
    )
    assert row is not None
    return _info(row), token


async def _load_live(token_id: int, conn: object) -> Credential:
    row: Credential | None = (
        await Credential.filter(id=token_id)
        .using_db(conn)  # type: ignore[arg-type]
        .prefetch_related("agent")
        .first()
    )
    if row is None:
        raise NotFound(f"There is no token #{token_id}.", token_id=token_id)
    if row.revoked_at is not None:
        raise Conflict(f"Token #{token_id} is already revoked.", token_id=token_id)
    return row


async def revoke_token(ctx: Context, actor: Actor, token_id: int) -> TokenInfo:
    """Refuse the token from now on, close its connections and end its board sessions."""
    require_operator(actor, "revoke tokens")
    async with change(ctx) as ch:
        row = await _load_live(token_id, ch.conn)
        updated = (
            await Credential.filter(id=row.id, revoked_at=None)
            .using_db(ch.conn)
            .update(revoked_at=ch.now)
        )
        if updated != 1:
            raise Conflict(f"Token #{token_id} was revoked at the same moment.")
        row.revoked_at = ch.now
        await BoardSession.filter(token_hash=row.token_hash).using_db(ch.conn).delete()
        ch.record(
            EventKind.TOKEN_REVOKED,
            actor.label,
            agent_name=row.agent.name if row.agent_id is not None and row.agent else None,
            credential_id=row.id,
            token_name=row.name,
            role=str(row.role),
        )
    ctx.credentials.forget(row.id)  # other processes drop it on the TOKEN_REVOKED Event
    return _info(row)


async def rotate_token(ctx: Context, actor: Actor, token_id: int) -> tuple[TokenInfo, str]:
    """Revoke a token and issue its replacement (same name, role, agent and lifetime)."""
    require_operator(actor, "rotate tokens")
    async with change(ctx) as ch:
        row = await _load_live(token_id, ch.conn)
        lifetime = row.expires_at - row.created_at if row.expires_at is not None else None
        await Credential.filter(id=row.id).using_db(ch.conn).update(revoked_at=ch.now)
        await BoardSession.filter(token_hash=row.token_hash).using_db(ch.conn).delete()
        token = await issue_token(
            ctx,
            row.role,
            row.name,
            row.agent_id,
            ch.conn,
            ch.now + lifetime if lifetime is not None else None,
        )
        ch.record(
            EventKind.TOKEN_REVOKED,
            actor.label,
            agent_name=row.agent.name if row.agent_id is not None and row.agent else None,
            credential_id=row.id,
            token_name=row.name,
            role=str(row.role),
            rotated=True,
        )
    ctx.credentials.forget(row.id)
    fresh = (
        await Credential.filter(revoked_at=None, name=row.name, role=row.role)
        .order_by("-id")
        .prefetch_related("agent")
    )
    return _info(fresh[0]), token
