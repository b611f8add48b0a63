"""The GraphQL playground: served from the app's own files, signed in through the board session
only with the page's anti-CSRF value (docs/security.md, "The playground")."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
import websockets
from gql import Client

from tests.support.factories import make_task
from tests.support.graphql import run
from tests.support.server import ServerProcess

HTML = {"Accept": "text/html"}


async def board_session(server: ServerProcess, token: str | None = None) -> str:
    """Log in like the browser does and return the `mc_session` cookie."""
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{server.url}/login", params={"token": token or server.operator_token}
        )
    assert response.status_code == 303, response.text
    return response.cookies["mc_session"]


async def playground(server: ServerProcess, session: str | None = None) -> httpx.Response:
    cookies = {"mc_session": session} if session else None
    async with httpx.AsyncClient(cookies=cookies) as http:
        return await http.get(server.graphql_url, headers=HTML)


def csrf_of(page: str) -> str:
    match = re.search(r'<meta name="mc-csrf" content="([^"]*)">', page)
    assert match is not None
    return match.group(1)


async def post(
    server: ServerProcess, query: str, session: str | None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    cookies = {"mc_session": session} if session else None
    async with httpx.AsyncClient(cookies=cookies) as http:
        response = await http.post(server.graphql_url, json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def test_the_page_loads_only_the_servers_own_assets_and_they_are_served(
    server: ServerProcess,
) -> None:
    response = await playground(server)
    assert response.status_code == 200
    page = response.text
    assert "unpkg" not in page and "cdn" not in page.lower() and "://" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 6
    assert all(asset.startswith("/playground-assets/") for asset in assets), assets
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    async with httpx.AsyncClient() as http:
        for asset in assets:
            served = await http.get(f"{server.url}{asset}")
            assert served.status_code == 200, asset
            kind = "javascript" if asset.endswith(".js") else "css"
            assert kind in served.headers["content-type"], asset
            assert len(served.content) > 40, asset
    assert csrf_of(page) == ""  # no session: nothing to embed


async def test_a_session_cookie_with_the_pages_csrf_value_runs_queries(
    server: ServerProcess,
) -> None:
    session = await board_session(server)
    page = (await playground(server, session)).text
    csrf = csrf_of(page)
    assert len(csrf) == 64 and session not in page
    answer = await post(server, "{ me }", session, {"X-MC-CSRF": csrf})
    assert answer == {"data": {"me": "operator"}}


async def test_a_session_cookie_without_the_csrf_value_is_refused(server: ServerProcess) -> None:
    session = await board_session(server)
    refused = await post(server, "{ me }", session)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "X-MC-CSRF" in refused["errors"][0]["message"]
    forged = await post(server, "{ me }", session, {"X-MC-CSRF": "0" * 64})
    assert forged["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Another session's value does not open this one.
    other = csrf_of((await playground(server, await board_session(server))).text)
    crossed = await post(server, "{ me }", session, {"X-MC-CSRF": other})
    assert crossed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_mutation_from_the_session_names_the_person_in_the_audit_log(
    server: ServerProcess, operator: Client
) -> None:
    issued = await run(operator, 'mutation { issueToken(name: "klein", role: OPERATOR) { token } }')
    session = await board_session(server, issued["issueToken"]["token"])
    csrf = csrf_of((await playground(server, session)).text)
    created = await post(
        server,
        'mutation { createTask(input: {title: "from the playground"}) { id } }',
        session,
        {"X-MC-CSRF": csrf},
    )
    task_id = created["data"]["createTask"]["id"]
    history = await run(
        operator, "query($id: Int!) { taskHistory(taskId: $id) { actor } }", {"id": task_id}
    )
    assert history["taskHistory"][0]["actor"] == "klein"


def with_cookie(server: ServerProcess, session: str) -> Any:
    """A graphql-transport-ws connection whose handshake carries the session cookie."""
    return websockets.connect(
        server.ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"Cookie": f"mc_session={session}"},
    )


async def test_a_subscription_runs_on_the_session_with_csrf_in_connection_init(
    server: ServerProcess, operator: Client
) -> None:
    session = await board_session(server)
    csrf = csrf_of((await playground(server, session)).text)
    async with with_cookie(server, session) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"csrf": csrf}}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack" and ack["payload"] == {"actor": "operator"}
        query = "subscription { events(kinds: [CREATED]) { kind taskId } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        task = await make_task(operator, title="seen by the playground")
        async with asyncio.timeout(20):
            message = json.loads(await ws.recv())
    assert message["type"] == "next"
    assert message["payload"]["data"]["events"] == {"kind": "CREATED", "taskId": task["id"]}


@pytest.mark.parametrize("payload", [{}, {"csrf": "f" * 64}])
async def test_a_websocket_with_the_cookie_but_no_valid_csrf_is_closed(
    server: ServerProcess, payload: dict[str, str]
) -> None:
    session = await board_session(server)
    async with with_cookie(server, session) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_viewers_session_reads_but_cannot_change_anything(
    server: ServerProcess, operator: Client
) -> None:
    issued = await run(operator, 'mutation { issueToken(name: "watcher", role: VIEWER) { token } }')
    session = await board_session(server, issued["issueToken"]["token"])
    headers = {"X-MC-CSRF": csrf_of((await playground(server, session)).text)}
    assert await post(server, "{ me }", session, headers) == {"data": {"me": "watcher"}}
    refused = await post(
        server, 'mutation { createTask(input: {title: "not mine"}) { id } }', session, headers
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bearer_token_wins_over_the_session_cookie(
    server: ServerProcess, operator: Client
) -> None:
    issued = await run(operator, 'mutation { issueToken(name: "watcher", role: VIEWER) { token } }')
    session = await board_session(server)  # the operator's session, without its CSRF value
    bearer = {"Authorization": f"Bearer {issued['issueToken']['token']}"}
    assert await post(server, "{ me }", session, bearer) == {"data": {"me": "watcher"}}
