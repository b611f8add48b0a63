"""The GraphQL endpoint: Strawberry's ASGI view with our context, hardened HTTP errors
(web/edges.py) and WebSocket limits (web/websocket.py)."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from mission_control.domain.errors import MissionControlError
from mission_control.resolvers.context import GraphQLContext
from mission_control.runtime import Runtime
from mission_control.schema.execution import shared_payloads
from mission_control.schema.schema import build_schema
from mission_control.web.edges import HardenedHTTP
from mission_control.web.playground import playground_response
from mission_control.web.websocket import (
    ConnectionGuard,
    LegacyWSHandler,
    TransportWSHandler,
    message_text,
)


class GraphQLEndpoint(HardenedHTTP, GraphQL[GraphQLContext, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

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

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this server's own files, signed in by the board session if any."""
        return await playground_response(self.runtime, request)

    async def on_ws_connect(self, context: GraphQLContext) -> dict[str, object] | None:
        try:
            actor = await context.actor()
        except MissionControlError as error:
            raise ConnectionRejectionError(
                {"message": error.message, "code": str(error.code)}
            ) from error
        return {"actor": actor.label}

    def encode_json(self, data: object) -> str | bytes:
        """A frame around a shared subscription payload reuses its JSON text (one per Event)."""
        if isinstance(data, dict) and data.get("type") in ("next", "data"):
            payload = data.get("payload")
            if isinstance(payload, dict) and payload.keys() == {"data"}:
                text = shared_payloads.text_of(payload["data"])
                if text is not None:
                    return message_text(str(data["id"]), str(data["type"]), text)
        return super().encode_json(data)
