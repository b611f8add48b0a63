"""Output types of identity management: a token as it may be shown (never its secret)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.domain.actors import Role as DomainRole
from mission_control.store.views import TokenView

strawberry.enum(DomainRole, name="Role")
Role = DomainRole


@strawberry.type(description="A token as the operator sees it: who, what role, when; no secret.")
class TokenInfo:
    id: int
    name: str
    role: Role
    agent: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_view(cls, view: TokenView) -> TokenInfo:
        return cls(
            id=view.id,
            name=view.name,
            role=view.role,
            agent=view.agent,
            created_at=view.created_at,
            last_used_at=view.last_used_at,
            expires_at=view.expires_at,
            revoked_at=view.revoked_at,
        )


@strawberry.type(description="A new token: its secret is shown this once.")
class IssuedToken:
    info: TokenInfo
    token: str
