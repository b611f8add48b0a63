"""How generated operations reach the server: gql's Client over HTTP, and WebSocket for streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any, Protocol

import aiohttp
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.websockets import WebsocketsTransport


class OperationRunner(Protocol):
    """What the generated `Operations` class needs: run one operation, or stream one."""

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any: ...

    def subscribe(
        self, document: str, name: str, variables: dict[str, Any]
    ) -> AsyncIterator[Any]: ...


class ServerRefused(Exception):
    """The server answered with a GraphQL error; `code` is its extensions.code."""

    def __init__(self, message: str, code: str | None) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.code or 'ERROR'})"


class ServerUnreachable(Exception):
    """No answer: the server is down, restarting, or the address is wrong."""


def _wire(variables: dict[str, Any]) -> dict[str, Any]:
    """Variables as JSON can carry them: DateTime and Date variables as ISO 8601 text."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in variables.items()}


def _refused(error: TransportQueryError) -> ServerRefused:
    first = (error.errors or [{"message": str(error)}])[0]
    return ServerRefused(str(first.get("message")), (first.get("extensions") or {}).get("code"))


class GqlTransport:
    """Runs operations with gql: HTTP for queries/mutations, graphql-transport-ws for streams."""

    def __init__(self, server: str, token: str | None, timeout: int = 30) -> None:
        base = server.rstrip("/")
        if not base.endswith("/graphql"):
            base += "/graphql"
        self.http_url = base
        self.ws_url = "ws" + base.removeprefix("http")
        self.token = token
        self.timeout = timeout

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        transport = AIOHTTPTransport(url=self.http_url, headers=self._auth(), timeout=self.timeout)
        request = GraphQLRequest(document, variable_values=_wire(variables), operation_name=name)
        try:
            async with Client(transport=transport, execute_timeout=self.timeout) as session:
                return await session.execute(request)
        except TransportQueryError as error:
            raise _refused(error) from None
        except (OSError, aiohttp.ClientError, TransportError, TimeoutError) as error:
            raise ServerUnreachable(f"{self.http_url}: {error}") from error

    async def last_event_id(self) -> int | None:
        """The id of the newest Event the server has announced (from /healthz), so a stream can
        start from it and miss nothing that happens after; None when it does not say."""
        url = self.http_url.removesuffix("/graphql") + "/healthz"
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url) as response,
            ):
                body = await response.json()
        except (OSError, aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ServerUnreachable(f"{url}: {error}") from error
        value = body.get("lastEventId") if isinstance(body, dict) else None
        return value if isinstance(value, int) else None

    async def subscribe(
        self, document: str, name: str, variables: dict[str, Any]
    ) -> AsyncIterator[Any]:
        transport = WebsocketsTransport(
            url=self.ws_url, init_payload=self._auth(), subprotocols=["graphql-transport-ws"]
        )
        request = GraphQLRequest(document, variable_values=_wire(variables), operation_name=name)
        try:
            async with Client(transport=transport) as session:
                async for data in session.subscribe(request):
                    yield data
        except TransportQueryError as error:
            raise _refused(error) from None
        except (OSError, TransportError, TimeoutError) as error:
            raise ServerUnreachable(f"{self.ws_url}: {error}") from error
