"""NiceGUI mounted at / does not shadow /graphql (HTTP and WebSocket) or /healthz."""

from __future__ import annotations

import json
import urllib.request

from gql import GraphQLRequest

from tests.support.factories import make_task
from tests.support.graphql import http_client, run, ws_client
from tests.support.server import ServerProcess

SUBSCRIBE = "subscription { events(since: 0) { id kind taskId } }"


async def test_board_health_and_graphql_share_one_app(server: ServerProcess) -> None:
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
        assert json.load(response)["status"] == "ok"
    with urllib.request.urlopen(f"{server.url}/login", timeout=5) as response:
        page = response.read().decode()
    assert response.status == 200
    assert "Mission Control" in page
    with urllib.request.urlopen(f"{server.url}/", timeout=5) as response:
        assert response.url == f"{server.url}/login"

    operator = http_client(server.graphql_url, server.operator_token)
    assert (await run(operator, "{ __typename }"))["__typename"] == "Query"
    async with ws_client(server.ws_url, server.operator_token) as session:
        task = await make_task(operator, title="Heard over the WebSocket")
        stream = session.subscribe(GraphQLRequest(SUBSCRIBE))
        first = await anext(stream)
        assert first["events"]["taskId"] == task["id"]
