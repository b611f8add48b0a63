"""The real gql client over HTTP and WebSocket, and a one-line way to run an operation."""

from __future__ import annotations

from typing import Any

from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport


def http_client(url: str, token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(transport=AIOHTTPTransport(url=url, headers=headers, timeout=60))


def ws_client(url: str, token: str | None, protocol: str = "graphql-transport-ws") -> Client:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(
        transport=WebsocketsTransport(url=url, init_payload=payload, subprotocols=[protocol])
    )


class GraphQLFailed(Exception):
    """The server answered with errors; `code` is the first error's extensions.code."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("message"))
        self.errors = errors
        self.code = (errors[0].get("extensions") or {}).get("code")


async def run(
    client: Client, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Execute one operation; raises GraphQLFailed with the error code on errors."""
    request = GraphQLRequest(query, variable_values=variables)
    try:
        async with client as session:
            return await session.execute(request)
    except TransportQueryError as error:
        raise GraphQLFailed(error.errors or [{"message": str(error)}]) from None


__all__ = ["GraphQLFailed", "gql", "http_client", "run", "ws_client"]
