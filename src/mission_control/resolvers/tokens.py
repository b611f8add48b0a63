"""Resolvers of identity management: list, issue, revoke and rotate tokens (operator only)."""

from __future__ import annotations

from mission_control.domain.actors import Role
from mission_control.resolvers.context import Info, caller
from mission_control.schema.tokens import IssuedToken, TokenInfo
from mission_control.services import tokens


async def list_tokens(info: Info, include_revoked: bool = False) -> list[TokenInfo]:
    rows = await tokens.list_tokens(info.context.services, await caller(info), include_revoked)
    return [TokenInfo.from_data(row) for row in rows]


async def issue_token(
    info: Info, name: str, role: Role, expires_in_seconds: int | None = None
) -> IssuedToken:
    data, secret = await tokens.issue_person_token(
        info.context.services, await caller(info), name, role, expires_in_seconds
    )
    return IssuedToken(info=TokenInfo.from_data(data), token=secret)


async def revoke_token(info: Info, id: int) -> TokenInfo:
    return TokenInfo.from_data(
        await tokens.revoke_token(info.context.services, await caller(info), id)
    )


async def rotate_token(info: Info, id: int) -> IssuedToken:
    data, secret = await tokens.rotate_token(info.context.services, await caller(info), id)
    return IssuedToken(info=TokenInfo.from_data(data), token=secret)
