"""The GraphQL endpoint: Strawberry's ASGI view with our context, WebSocket auth and size cap."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from mission_control.domain.errors import MissionControlError
from mission_control.edges import HardenedHTTP
from mission_control.resolvers.context import GraphQLContext
from mission_control.runtime import Runtime
from mission_control.schema.schema import build_schema
from mission_control.websocket import ConnectionGuard, LegacyWSHandler, TransportWSHandler


class GraphQLEndpoint(HardenedHTTP, GraphQL[GraphQLContext, None]):
    graphql_transport_ws_handler_class = TransportWSHandler  # type: ignore[assignment]
    graphql_ws_handler_class = LegacyWSHandler  # type: ignore[assignment]

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql",
            keep_alive=True,
            keep_alive_interval=15,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )
        self.runtime = runtime
        self.guard = ConnectionGuard(runtime.hub, settings.max_connections_per_token)
        self.max_response_bytes = settings.max_response_bytes

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> GraphQLContext:
        return GraphQLContext(
            services=self.runtime.ctx, hub=self.runtime.hub, request=request, response=response
        )

    async def on_ws_connect(self, context: GraphQLContext) -> dict[str, object] | None:  # type: ignore[override]
        try:
            actor = await context.actor()
        except MissionControlError as error:
            raise ConnectionRejectionError(
                {"message": error.message, "code": str(error.code)}
            ) from error
        return {"actor": actor.label}


class BodySizeLimit:
    """Refuse request bodies over the limit before parsing them, with a GraphQL-shaped error."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body: dict[str, Any] = {
            "data": None,
            "errors": [
                {
                    "message": f"The request is larger than {self.max_bytes} bytes; send less "
                    f"(titles are at most 200 characters, descriptions 20,000).",
                    "extensions": {"code": "VALIDATION", "limit": self.max_bytes},
                }
            ],
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass
