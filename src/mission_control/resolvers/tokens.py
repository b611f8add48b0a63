"""Resolvers of identity management: list, issue, revoke and rotate tokens (operator only)."""

from __future__ import annotations

from mission_control.domain.actors import Role
from mission_control.resolvers.context import Info, caller
from mission_control.services import tokens
from mission_control.store.views import TokenView


async def list_tokens(info: Info, include_revoked: bool) -> list[TokenView]:
    return await tokens.list_tokens(info.context.services, await caller(info), include_revoked)


async def issue_token(
    info: Info, name: str, role: Role, expires_in_seconds: int | None
) -> tuple[TokenView, str]:
    return await tokens.issue_person_token(
        info.context.services, await caller(info), name, role, expires_in_seconds
    )


async def revoke_token(info: Info, id: int) -> TokenView:
    return await tokens.revoke_token(info.context.services, await caller(info), id)


async def rotate_token(info: Info, id: int) -> tuple[TokenView, str]:
    return await tokens.rotate_token(info.context.services, await caller(info), id)
