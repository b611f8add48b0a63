"""The MCP server at /mcp (agent tools) and /mcp/operator (plus the operator's), in the app.

Streamable HTTP, stateless and with JSON answers: any server process can answer any request
(several processes behind one proxy need no sticky sessions), and a call is one POST. The
caller's `Authorization: Bearer <token>` is read per request, so every tool acts as the agent
(or operator) the token belongs to, exactly as it would over GraphQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.context import CallNext, HandlerResult
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from strawberry.schema.base import BaseSchema

from mission_control.client.generated.operations import Operations
from mission_control.client.transport import ServerRefused
from mission_control.mcp_server.tools import build_server
from mission_control.resolvers.context import GraphQLContext
from mission_control.runtime import Runtime

METHODS = ["GET", "POST", "DELETE"]
PATHS = {"/mcp": False, "/mcp/operator": True}  # path -> with the operator's tools

_request: ContextVar[Request | None] = ContextVar("mcp_request", default=None)


class LocalRunner:
    """Runs the typed client's operations on the schema in this process, as the caller.

    Same resolvers, same services, same error codes as a GraphQL request over HTTP, without
    the HTTP hop; the caller's token comes from the MCP request's Authorization header.
    """

    def __init__(self, schema: BaseSchema, runtime: Runtime, request: Request) -> None:
        self.schema = schema
        self.runtime = runtime
        self.request = request

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        context = GraphQLContext(
            services=self.runtime.ctx, hub=self.runtime.hub, request=self.request
        )
        result = await self.schema.execute(
            document, variable_values=variables, operation_name=name, context_value=context
        )
        if result.errors:
            first = result.errors[0]
            raise ServerRefused(first.message, (first.extensions or {}).get("code"))
        return result.data

    def subscribe(self, document: str, name: str, variables: dict[str, Any]) -> AsyncIterator[Any]:
        raise NotImplementedError("the MCP tools send no subscription")


async def _remember_request(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Keep the HTTP request of this MCP message for the tools to authenticate with."""
    request = ctx.request if isinstance(ctx.request, Request) else None
    token = _request.set(request)
    try:
        return await call_next(ctx)
    finally:
        _request.reset(token)


class McpEndpoints:
    """The MCP servers mounted in the app, and their session managers' lifetime."""

    def __init__(self, runtime: Runtime, schema: BaseSchema) -> None:
        self.runtime = runtime
        self.schema = schema
        self.servers: dict[str, MCPServer[Any]] = {}
        loopback = runtime.settings.host in ("127.0.0.1", "localhost", "::1")
        security = TransportSecuritySettings(enable_dns_rebinding_protection=loopback)
        if loopback:  # a browser page must not reach a local server through a rebound name
            security.allowed_hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
            security.allowed_origins = ["http://127.0.0.1:*", "http://localhost:*"]
        for path, operator in PATHS.items():
            server = build_server(self.operations, operator_tools=operator)
            server.middleware.append(_remember_request)
            server.streamable_http_app(
                stateless_http=True,
                json_response=True,
                transport_security=security,
                max_request_body_size=runtime.settings.max_body_bytes,
            )
            self.servers[path] = server

    def operations(self) -> Operations:
        request = _request.get()
        if request is None:
            request = Request({"type": "http", "method": "POST", "headers": []})
        return Operations(LocalRunner(self.schema, self.runtime, request))

    def routes(self) -> list[Route]:
        return [
            Route(
                path,
                StreamableHTTPASGIApp(server.session_manager),
                methods=["GET", "POST", "DELETE"],
            )
            for path, server in self.servers.items()
        ]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the session managers for as long as the app runs."""
        async with contextlib.AsyncExitStack() as stack:
            for server in self.servers.values():
                await stack.enter_async_context(server.session_manager.run())
            yield
