"""The per-request GraphQL context: the services' Context, the hub, and who is calling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from mission_control.bus import EventHub
from mission_control.domain.actors import Actor, Role
from mission_control.resolvers import trusted
from mission_control.resolvers.loaders import Loaders
from mission_control.services import sessions
from mission_control.services.auth import authenticate
from mission_control.store.context import Context


@dataclass
class GraphQLContext:
    services: Context
    hub: EventHub
    request: Request | WebSocket
    response: Any = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    _actor: Actor | None = None
    # Batches each relation of the tasks in one answer into one query (resolvers/loaders.py).
    loaders: Loaders = field(default_factory=Loaders)

    def bearer_token(self) -> str | None:
        """The token from `Authorization: Bearer …`, or from the WebSocket connection_init."""
        params = self.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if not header and isinstance(self.request, Request):
            header = self.request.headers.get("authorization")
        if not header:
            token = params.get("token")
            return str(token) if token else None
        scheme, _, token = str(header).partition(" ")
        return token.strip() if scheme.lower() == "bearer" else str(header).strip()

    def csrf(self) -> str | None:
        """The playground's anti-CSRF value: a header on HTTP, in connection_init on WebSocket."""
        value = (self.connection_params or {}).get(sessions.CSRF_PARAM)
        if value is None and isinstance(self.request, Request):
            value = self.request.headers.get(sessions.CSRF_HEADER)
        return str(value) if value else None

    async def actor(self) -> Actor:
        """Who is calling: the Bearer token's actor; without one, the board session's when the
        request also carries its anti-CSRF value; UNAUTHENTICATED otherwise."""
        if self._actor is None:
            token = self.bearer_token()
            session_id = self.request.cookies.get(sessions.SESSION_COOKIE)
            if token is None and session_id:
                self._actor = await sessions.csrf_session_actor(
                    self.services, session_id, self.csrf()
                )
            else:
                self._actor = await authenticate(self.services, token)
        return self._actor


Info = StrawberryInfo[GraphQLContext, None]


async def caller(info: Info) -> Actor:
    """Who is calling, once the request is allowed to run at all (token, trusted operations)."""
    actor = await info.context.actor()
    if actor.role is Role.AGENT and info.context.services.settings.trusted_operations == "agents":
        trusted.check(info.operation, len(info._raw_info.fragments))
    return actor
