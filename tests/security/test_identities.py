"""Identities the operator can manage: list, revoke, rotate, expire, name; a strong operator
token. Each test is a finding of issue 12 reproduced over the real server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from gql import Client

from tests.support.cli import mc, mc_json
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

TOKENS = "query { tokens(includeRevoked: true) { id name role agent revokedAt lastUsedAt } }"
REVOKE = "mutation($id: Int!) { revokeToken(id: $id) { id revokedAt } }"
ROTATE = "mutation($id: Int!) { rotateToken(id: $id) { token info { id name } } }"
ISSUE = (
    "mutation($name: String!, $role: Role!, $ttl: Int) "
    "{ issueToken(name: $name, role: $role, expiresInSeconds: $ttl) { token info { id } } }"
)


async def token_id(operator: Client, name: str) -> int:
    tokens = (await run(operator, TOKENS))["tokens"]
    (found,) = [t["id"] for t in tokens if t["name"] == name and t["revokedAt"] is None]
    return int(found)


async def test_a_revoked_agent_token_is_refused_on_its_next_request(
    operator: Client, server: ServerProcess
) -> None:
    token = await make_agent(operator, "leaky")
    agent = http_client(server.graphql_url, token)
    assert (await run(agent, "{ me }"))["me"] == "agent:leaky"

    listed = (await run(operator, TOKENS))["tokens"]
    assert {"name": "leaky", "role": "AGENT", "agent": "leaky"}.items() <= next(
        t for t in listed if t["name"] == "leaky"
    ).items()
    assert token not in json.dumps(listed)  # never the secret

    await run(operator, REVOKE, {"id": await token_id(operator, "leaky")})
    with pytest.raises(GraphQLFailed) as refused:
        await run(agent, "{ me }")
    assert refused.value.code == "UNAUTHENTICATED"


async def test_rotating_a_token_refuses_the_old_one_and_the_new_one_works(
    operator: Client, server: ServerProcess
) -> None:
    old = await make_agent(operator, "rotor")
    rotated = (await run(operator, ROTATE, {"id": await token_id(operator, "rotor")}))[
        "rotateToken"
    ]
    with pytest.raises(GraphQLFailed) as refused:
        await run(http_client(server.graphql_url, old), "{ me }")
    assert refused.value.code == "UNAUTHENTICATED"
    fresh = http_client(server.graphql_url, rotated["token"])
    assert (await run(fresh, "{ me }"))["me"] == "agent:rotor"


async def test_revoking_a_token_closes_its_open_websocket_subscriptions(
    operator: Client, server: ServerProcess
) -> None:
    issued = (await run(operator, ISSUE, {"name": "watcher", "role": "VIEWER"}))["issueToken"]
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {issued['token']}"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { events { id kind } }"},
                }
            )
        )
        await make_task(operator, title="seen while allowed")
        assert json.loads(await ws.recv())["type"] == "next"
        await run(operator, REVOKE, {"id": issued["info"]["id"]})
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()  # events until the close frame
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.fixture
def uncached_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    """No credential cache: the test below edits a credential row behind the server's back,
    which a process with its cache would see only after MC_CREDENTIAL_CACHE_SECONDS (the
    cache's own handling of expiry: tests/services/test_credential_cache.py)."""
    env = {"MC_CREDENTIAL_CACHE_SECONDS": "0"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def test_an_expired_token_is_refused(uncached_server: ServerProcess, sqlite_url: str) -> None:
    server = uncached_server
    operator = http_client(server.graphql_url, server.operator_token)
    issued = (await run(operator, ISSUE, {"name": "temp", "role": "VIEWER", "ttl": 3600}))[
        "issueToken"
    ]
    viewer = http_client(server.graphql_url, issued["token"])
    assert (await run(viewer, "{ me }"))["me"] == "temp"
    # Its hour passes: move the expiry into the past in the real database.
    with sqlite3.connect(sqlite_url.removeprefix("sqlite://")) as db:
        db.execute(
            "UPDATE credentials SET expires_at = '2000-01-01 00:00:00+00:00' WHERE id = ?",
            (issued["info"]["id"],),
        )
    with pytest.raises(GraphQLFailed) as refused:
        await run(viewer, "{ me }")
    assert refused.value.code == "UNAUTHENTICATED" and "expired" in str(refused.value)


async def test_a_named_operator_token_is_who_the_audit_log_names(
    operator: Client, server: ServerProcess
) -> None:
    issued = (await run(operator, ISSUE, {"name": "klein", "role": "OPERATOR"}))["issueToken"]
    klein = http_client(server.graphql_url, issued["token"])
    task = await make_task(klein, title="Klein's own")
    history = await run(
        klein, "query($id: Int!) { taskHistory(taskId: $id) { actor kind } }", {"id": task["id"]}
    )
    assert history["taskHistory"][0] == {"actor": "klein", "kind": "CREATED"}


def test_the_cli_lists_and_revokes_tokens(server: ServerProcess) -> None:
    mc(server, "token", "issue", "eve", "--role", "viewer")
    (eve,) = [t for t in mc_json(server, "token", "list") if t["name"] == "eve"]
    assert eve["role"] == "VIEWER" and "token" not in eve
    assert f"Token #{eve['id']}" in mc(server, "token", "revoke", str(eve["id"])).stdout
    assert all(t["name"] != "eve" for t in mc_json(server, "token", "list"))


@pytest.mark.parametrize("weak", ["q", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "short-but-mixed-1"])
def test_a_weak_operator_token_stops_serve_with_one_line(tmp_path: Path, weak: str) -> None:
    env = ServerProcess(
        workdir=tmp_path, database_url=f"sqlite://{tmp_path / 'x.db'}"
    ).environment()
    env["MC_OPERATOR_TOKEN"] = weak
    done = subprocess.run(
        [sys.executable, "-m", "mission_control", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "MC_OPERATOR_TOKEN" in lines[0] and weak not in lines[0]
    assert not (tmp_path / "x.db").exists()
