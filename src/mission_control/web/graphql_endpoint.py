"""The GraphQL endpoint: Strawberry's ASGI view with our context and WebSocket auth."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from mission_control.domain.errors import MissionControlError
from mission_control.resolvers.context import GraphQLContext
from mission_control.runtime import Runtime
from mission_control.schema.schema import build_schema


class GraphQLEndpoint(GraphQL[GraphQLContext, None]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            build_schema(runtime.settings),
            graphql_ide="graphiql",
            keep_alive=True,
            keep_alive_interval=15,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self.runtime = runtime

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> GraphQLContext:
        return GraphQLContext(
            services=self.runtime.ctx, hub=self.runtime.hub, request=request, response=response
        )

    async def on_ws_connect(self, context: GraphQLContext) -> dict[str, object] | None:
        try:
            actor = await context.actor()
        except MissionControlError as error:
            raise ConnectionRejectionError(
                {"message": error.message, "code": str(error.code)}
            ) from error
        return {"actor": actor.label}
