"""Board sessions and one-time login codes, each kept by the hash of its secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.models import BoardSession, LoginCode


@dataclass(frozen=True, slots=True)
class TokenLink:
    """What a session or a login code stands for: a token (by its hash), until when."""

    token_hash: str
    expires_at: datetime


async def add_login_code(
    code_hash: str, token_hash: str, expires_at: datetime, now: datetime
) -> None:
    """Store a login code; codes expired by `now` are dropped on the way."""
    await LoginCode.filter(expires_at__lt=now).delete()
    await LoginCode.create(code_hash=code_hash, token_hash=token_hash, expires_at=expires_at)


async def take_login_code(code_hash: str) -> TokenLink | None:
    """Use the code up: what it stood for, None when it was unknown or used already (two
    concurrent uses: only the one that deletes the row gets it)."""
    row = await LoginCode.get_or_none(code_hash=code_hash)
    deleted = await LoginCode.filter(code_hash=code_hash).delete()
    if row is None or deleted != 1:
        return None
    return TokenLink(row.token_hash, row.expires_at)


async def add_session(
    id_hash: str, token_hash: str, created_at: datetime, expires_at: datetime
) -> None:
    """Store a board session; sessions expired by `created_at` are dropped on the way."""
    await BoardSession.filter(expires_at__lt=created_at).delete()
    await BoardSession.create(
        id_hash=id_hash, token_hash=token_hash, created_at=created_at, expires_at=expires_at
    )


async def session_link(id_hash: str) -> TokenLink | None:
    """The token a session stands for, None when there is no such session."""
    row = await BoardSession.get_or_none(id_hash=id_hash)
    return TokenLink(row.token_hash, row.expires_at) if row is not None else None


async def delete_session(id_hash: str) -> None:
    await BoardSession.filter(id_hash=id_hash).delete()


async def end_sessions_of(token_hash: str, conn: BaseDBAsyncClient) -> None:
    """Delete every board session opened with this token (it was revoked), in a change."""
    await BoardSession.filter(token_hash=token_hash).using_db(conn).delete()
