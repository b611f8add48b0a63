"""How generated operations reach the server: gql's Client over HTTP, and WebSocket for streams."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

# gql, graphql-core and aiohttp take most of a CLI call's start-up: they are imported where a
# runner first needs them, and one-shot commands use OneShotRunner, which needs none of them.
if TYPE_CHECKING:
    from gql.transport.exceptions import TransportQueryError


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
    return _refused_by(error.errors or [{"message": str(error)}])


def _refused_by(errors: list[dict[str, Any]]) -> ServerRefused:
    first = errors[0]
    return ServerRefused(str(first.get("message")), (first.get("extensions") or {}).get("code"))


def _graphql_url(server: str) -> str:
    base = server.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


class OneShotRunner:
    """One HTTP POST per operation with the standard library: what a single CLI call needs.

    Streams (`watch`) go through GqlTransport's WebSocket.
    """

    def __init__(self, server: str, token: str | None, timeout: int = 30) -> None:
        self.http_url = _graphql_url(server)
        self.server = server
        self.token = token
        self.timeout = timeout

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        return await asyncio.to_thread(self._post, document, name, variables)

    def _post(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        body = json.dumps({"query": document, "operationName": name, "variables": _wire(variables)})
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.http_url, body.encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read())
            except ValueError:
                raise ServerUnreachable(f"{self.http_url}: HTTP {error.code}") from error
        except (OSError, ValueError) as error:
            raise ServerUnreachable(f"{self.http_url}: {error}") from error
        if answer.get("errors"):
            raise _refused_by(answer["errors"])
        return answer.get("data")

    def subscribe(self, document: str, name: str, variables: dict[str, Any]) -> AsyncIterator[Any]:
        return GqlTransport(self.server, self.token, self.timeout).subscribe(
            document, name, variables
        )


class GqlTransport:
    """Runs operations with gql: HTTP for queries/mutations, graphql-transport-ws for streams."""

    def __init__(self, server: str, token: str | None, timeout: int = 30) -> None:
        self.http_url = _graphql_url(server)
        self.ws_url = "ws" + self.http_url.removeprefix("http")
        self.token = token
        self.timeout = timeout

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        import aiohttp
        from gql import Client, GraphQLRequest
        from gql.transport.aiohttp import AIOHTTPTransport
        from gql.transport.exceptions import TransportError, TransportQueryError

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
        import aiohttp

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
        from gql import Client, GraphQLRequest
        from gql.transport.exceptions import TransportError, TransportQueryError
        from gql.transport.websockets import WebsocketsTransport

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
