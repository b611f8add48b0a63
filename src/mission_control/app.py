"""build_app(settings): one ASGI app that mounts GraphQL, the board and Slack, and owns startup."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from mission_control.mcp_server.http import McpEndpoints
from mission_control.runtime import Runtime
from mission_control.settings import Settings
from mission_control.slack import mount_slack
from mission_control.ui import mount as mount_board
from mission_control.web.body_limit import BodySizeLimit
from mission_control.web.edges import health_report
from mission_control.web.graphql_endpoint import GraphQLEndpoint
from mission_control.web.metrics import metrics
from mission_control.web.playground import assets_route
from mission_control.webhooks import WebhookSender

log = logging.getLogger(__name__)


class Front:
    """The server's ASGI entry. GraphQL over HTTP (every agent's claim, heartbeat and submit)
    goes straight to its view; everything else through the FastAPI app. That app's stack
    (error and exception middleware, telemetry, its body limit, the router with NiceGUI's
    routes) was a tenth of the server's CPU per claim+submit (bench.claim_api under cProfile),
    and adds nothing here: the view answers every error itself (web/edges.py)."""

    def __init__(self, app: FastAPI, graphql_http: ASGIApp) -> None:
        self.app = app
        self.graphql_http = graphql_http

    @property
    def state(self) -> State:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/graphql"
            and scope["method"] in ("GET", "POST")
        ):
            await self.graphql_http(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def build_app(settings: Settings) -> Front:
    """The whole server. FastAPI (a Starlette app) because NiceGUI mounts onto one."""
    runtime = Runtime(settings)
    graphql = GraphQLEndpoint(runtime)
    mcp = McpEndpoints(runtime, graphql.schema)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            async with mcp.running():
                yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="Mission Control", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.runtime = runtime

    # Explicit HTTP and WebSocket routes: a mount at /graphql would be shadowed by NiceGUI's
    # catch-all page route once the board is added.
    limited = BodySizeLimit(graphql, settings.max_body_bytes)

    async def health(request: Request) -> JSONResponse:
        """Liveness for anyone; the event cursor only for a caller with a valid token."""
        return JSONResponse(await health_report(runtime, request))

    async def scrape(request: Request) -> Response:
        """The flow figures for Prometheus (web/metrics.py)."""
        return await metrics(runtime, request)

    app.router.routes.extend(
        [
            Route("/graphql", limited, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", health, methods=["GET"]),
            Route("/metrics", scrape, methods=["GET"]),
            assets_route(),
            *mcp.routes(),
        ]
    )

    runtime.workers.append(WebhookSender(runtime.ctx, runtime.hub))
    mount_slack(app, runtime)
    # The board mounts at / last: NiceGUI's catch-all must come after the explicit routes.
    mount_board(app, runtime)
    return Front(app, limited)
