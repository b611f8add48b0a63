"""Credential rows as the operator manages them: issued, listed, revoked (a request reads its
credential through store/credentials.py)."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.actors import Role
from mission_control.models import Credential
from mission_control.store.views import TokenView, token_view


async def insert_credential(
    token_hash: str,
    role: Role,
    name: str,
    agent_id: int | None,
    created_at: datetime,
    expires_at: datetime | None,
    conn: BaseDBAsyncClient | None = None,
) -> int:
    """Store a new credential (only its token's hash); returns its id."""
    row = await Credential.create(
        token_hash=token_hash,
        role=role,
        name=name,
        agent_id=agent_id,
        created_at=created_at,
        expires_at=expires_at,
        using_db=conn,
    )
    return row.id


async def live_operator_exists() -> bool:
    """Whether some operator token is still valid (not revoked)."""
    return await Credential.filter(role=Role.OPERATOR, revoked_at=None).exists()


async def token_views(include_revoked: bool) -> list[TokenView]:
    """Every credential (the revoked ones only when asked), oldest first."""
    query = Credential.all() if include_revoked else Credential.filter(revoked_at=None)
    return [token_view(row) for row in await query.order_by("id").prefetch_related("agent")]


async def load_credential(token_id: int, conn: BaseDBAsyncClient) -> Credential | None:
    """The credential with this id (its agent prefetched), for a change."""
    row: Credential | None = (
        await Credential.filter(id=token_id).using_db(conn).prefetch_related("agent").first()
    )
    return row


async def revoke(credential_id: int, at: datetime, conn: BaseDBAsyncClient) -> bool:
    """Mark the credential revoked unless it already is; True when this call revoked it."""
    updated = (
        await Credential.filter(id=credential_id, revoked_at=None)
        .using_db(conn)
        .update(revoked_at=at)
    )
    return updated == 1


async def token_view_of(credential_id: int, conn: BaseDBAsyncClient | None = None) -> TokenView:
    """The read model of the credential with this id (it exists: it was just written)."""
    row = await Credential.filter(id=credential_id).using_db(conn).prefetch_related("agent").get()
    return token_view(row)
