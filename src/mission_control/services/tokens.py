"""Managing identities: list tokens (never their secret), issue named ones, revoke, rotate.

A revocation is an Event (TOKEN_REVOKED with the credential id): every process's open
WebSocket connections authenticated by that token close on it, and the board sessions opened
with it are deleted in the same transaction, so the next request or click is refused.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Conflict, NotFound, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.models import Credential
from mission_control.services.auth import issue_credential
from mission_control.store import sessions, tokens
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.views import TokenView

__all__ = ["TokenView", "issue_person_token", "list_tokens", "revoke_token", "rotate_token"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")
MAX_EXPIRY = timedelta(days=3650)


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


async def list_tokens(ctx: Context, actor: Actor, include_revoked: bool = False) -> list[TokenView]:
    """Every token the server knows (the operator only), oldest first."""
    require_operator(actor, "list tokens")
    return await tokens.token_views(include_revoked)


async def issue_person_token(
    ctx: Context, actor: Actor, name: str, role: Role, expires_in_seconds: int | None = None
) -> tuple[TokenView, str]:
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
        issued = await issue_credential(ctx, role, name, None, ch, expires_at)
        ch.record(EventKind.TOKEN_ISSUED, actor.label, token_name=name, role=str(role))
        view = await tokens.token_view_of(issued.credential_id, ch.conn)
    return view, issued.token


async def _load_live(token_id: int, ch: Change) -> Credential:
    row = await tokens.load_credential(token_id, ch.conn)
    if row is None:
        raise NotFound(f"There is no token #{token_id}.", token_id=token_id)
    if row.revoked_at is not None:
        raise Conflict(f"Token #{token_id} is already revoked.", token_id=token_id)
    return row


def _agent_of(row: Credential) -> str | None:
    return row.agent.name if row.agent_id is not None and row.agent else None


async def revoke_token(ctx: Context, actor: Actor, token_id: int) -> TokenView:
    """Refuse the token from now on, close its connections and end its board sessions."""
    require_operator(actor, "revoke tokens")
    async with change(ctx) as ch:
        row = await _load_live(token_id, ch)
        if not await tokens.revoke(row.id, ch.now, ch.conn):
            raise Conflict(f"Token #{token_id} was revoked at the same moment.")
        await sessions.end_sessions_of(row.token_hash, ch.conn)
        ch.record(
            EventKind.TOKEN_REVOKED,
            actor.label,
            agent_name=_agent_of(row),
            credential_id=row.id,
            token_name=row.name,
            role=str(row.role),
        )
        view = await tokens.token_view_of(row.id, ch.conn)
    ctx.credentials.forget(row.id)  # other processes drop it on the TOKEN_REVOKED Event
    return view


async def rotate_token(ctx: Context, actor: Actor, token_id: int) -> tuple[TokenView, str]:
    """Revoke a token and issue its replacement (same name, role, agent and lifetime)."""
    require_operator(actor, "rotate tokens")
    async with change(ctx) as ch:
        row = await _load_live(token_id, ch)
        lifetime = row.expires_at - row.created_at if row.expires_at is not None else None
        if not await tokens.revoke(row.id, ch.now, ch.conn):
            raise Conflict(f"Token #{token_id} was revoked at the same moment.")
        await sessions.end_sessions_of(row.token_hash, ch.conn)
        issued = await issue_credential(
            ctx,
            row.role,
            row.name,
            row.agent_id,
            ch,
            ch.now + lifetime if lifetime is not None else None,
        )
        ch.record(
            EventKind.TOKEN_REVOKED,
            actor.label,
            agent_name=_agent_of(row),
            credential_id=row.id,
            token_name=row.name,
            role=str(row.role),
            rotated=True,
        )
        view = await tokens.token_view_of(issued.credential_id, ch.conn)
    ctx.credentials.forget(row.id)
    return view, issued.token
