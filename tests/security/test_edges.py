"""The HTTP and WebSocket edges: every client mistake a coded 400 (never 500 or INTERNAL),
WebSocket limits and close codes, the query cost budget, input hygiene, /healthz, file modes."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

CREATE = "mutation($t: String!) { createTask(input: {title: $t}) { id title } }"


async def post(
    server: ServerProcess, body: bytes, content_type: str = "application/json"
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {server.operator_token}", "Content-Type": content_type}
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.graphql_url, data=body, headers=headers) as answer,
    ):
        return answer.status, json.loads(await answer.read())


async def task_count(operator: Client) -> int:
    return int((await run(operator, "{ tasks { totalCount } }"))["tasks"]["totalCount"])


MISTAKES = {
    "json-number-body": (b"42", "application/json", "BAD_REQUEST"),
    "json-list-body": (b"[1, 2]", "application/json", "BAD_REQUEST"),
    "malformed-json": (b'{"query": ', "application/json", "BAD_REQUEST"),
    "wrong-content-type": (b'{"query": "{ me }"}', "text/plain", "BAD_REQUEST"),
    "variable-of-wrong-type": (
        json.dumps(
            {"query": "query($id: Int!) { task(id: $id) { id } }", "variables": {"id": "x"}}
        ).encode(),
        "application/json",
        "BAD_QUERY",
    ),
    "lone-surrogate": (
        b'{"query": "mutation($t: String!) { createTask(input: {title: $t}) { id } }",'
        b' "variables": {"t": "\\ud800"}}',
        "application/json",
        "VALIDATION",
    ),
    "nul-in-title-variable": (
        json.dumps({"query": CREATE, "variables": {"t": "a\x00b"}}).encode(),
        "application/json",
        "VALIDATION",
    ),
    "subscription-over-http": (
        json.dumps({"query": "subscription { events { id } }"}).encode(),
        "application/json",
        "BAD_REQUEST",
    ),
    "two-anonymous-operations": (
        json.dumps(
            {"query": '{ me } mutation { createTask(input: {title: "sneaky"}) { id } }'}
        ).encode(),
        "application/json",
        "BAD_QUERY",
    ),
}


@pytest.mark.parametrize("name", list(MISTAKES))
async def test_every_client_mistake_is_a_coded_400_that_changes_nothing(
    server: ServerProcess, operator: Client, name: str
) -> None:
    body, content_type, code = MISTAKES[name]
    before = await task_count(operator)
    status, answer = await post(server, body, content_type)
    assert status == 400, answer
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == code
    assert answer["errors"][0]["message"]
    assert await task_count(operator) == before


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_nul_in_a_title_is_refused_with_validation_on_every_backend(
    tmp_path: Path, kind: str
) -> None:
    from tests.support.databases import database_url

    async with database_url(kind, tmp_path) as url:
        with ServerProcess(workdir=tmp_path, database_url=url) as server:
            operator = http_client(server.graphql_url, server.operator_token)
            with pytest.raises(GraphQLFailed) as refused:
                await run(operator, 'mutation { createTask(input: {title: "a\\u0000b"}) { id } }')
            assert refused.value.code == "VALIDATION"


@pytest.mark.parametrize(
    "title", ["\x1b[31mred\x1b[0m", "bell\x07", "two\nlines", "bidi\u202eevil", "del\x7f"]
)
async def test_control_characters_and_ansi_escapes_are_refused_in_titles(
    operator: Client, title: str
) -> None:
    with pytest.raises(GraphQLFailed) as refused:
        await run(operator, CREATE, {"t": title})
    assert refused.value.code == "VALIDATION"


async def test_descriptions_keep_newlines_but_not_escapes(operator: Client) -> None:
    task = await make_task(operator, description="line one\nline two\ttabbed")
    shown = await run(
        operator, "query($id: Int!) { task(id: $id) { description } }", {"id": task["id"]}
    )
    assert shown["task"]["description"] == "line one\nline two\ttabbed"
    with pytest.raises(GraphQLFailed) as refused:
        await make_task(operator, description="\x1b]0;owned\x07")
    assert refused.value.code == "VALIDATION"


async def test_a_viewer_sending_a_heartbeat_is_told_what_it_tried(
    operator: Client, server: ServerProcess
) -> None:
    viewer = (await run(operator, 'mutation { issueViewerToken(name: "eyes") }'))[
        "issueViewerToken"
    ]
    with pytest.raises(GraphQLFailed) as refused:
        await run(http_client(server.graphql_url, viewer), "mutation { heartbeat { name } }")
    assert refused.value.code == "FORBIDDEN"
    assert "heartbeat" in str(refused.value) and "claim" not in str(refused.value)


async def test_healthz_tells_anonymous_callers_only_that_it_lives(server: ServerProcess) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/healthz") as answer:
            assert await answer.json() == {"status": "ok"}
        headers = {"Authorization": f"Bearer {server.operator_token}"}
        async with session.get(f"{server.url}/healthz", headers=headers) as answer:
            assert "lastEventId" in await answer.json()


def test_the_database_file_is_readable_by_its_owner_only(
    server: ServerProcess, sqlite_url: str
) -> None:
    mode = stat.S_IMODE(os.stat(sqlite_url.removeprefix("sqlite://")).st_mode)
    assert mode == 0o600


async def test_an_expensive_query_is_refused_before_it_runs_and_others_are_served(
    server: ServerProcess, operator: Client
) -> None:
    boards = " ".join(
        f"b{n}: board(perColumn: 500) {{ columns {{ tasks {{ description }} }} }}"
        for n in range(20)
    )
    viewer = (await run(operator, 'mutation { issueViewerToken(name: "greedy") }'))[
        "issueViewerToken"
    ]
    with pytest.raises(GraphQLFailed) as refused:
        await run(http_client(server.graphql_url, viewer), f"{{ {boards} }}")
    error = refused.value.errors[0]
    assert error["extensions"]["code"] == "TOO_EXPENSIVE"
    assert error["extensions"]["cost"] > error["extensions"]["limit"]
    assert (await run(operator, "{ me }"))["me"] == "operator"


# --- WebSocket ---------------------------------------------------------------------------


@pytest.fixture
def tight_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {
        "MC_WS_INIT_TIMEOUT_SECONDS": "1",
        "MC_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3",
        "MC_MAX_CONNECTIONS_PER_TOKEN": "2",
        "MC_MAX_BODY_BYTES": "65536",
    }
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def closed_with(ws: Any) -> int:
    """Read until the server closes the socket; its close code."""
    try:
        async with asyncio.timeout(20):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None
        return int(closed.rcvd.code)


@pytest.mark.parametrize("protocol", ["graphql-ws", "graphql-transport-ws"])
async def test_a_socket_that_never_sends_connection_init_is_closed(
    tight_server: ServerProcess, protocol: str
) -> None:
    async with websockets.connect(tight_server.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        assert await closed_with(ws) == 4408


@pytest.mark.parametrize("protocol", ["graphql-ws", "graphql-transport-ws"])
async def test_a_refused_init_closes_with_4401_not_1011(
    tight_server: ServerProcess, protocol: str
) -> None:
    async with websockets.connect(tight_server.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        )
        assert await closed_with(ws) == 4401


async def init(server: ServerProcess, protocol: str = "graphql-transport-ws") -> Any:
    ws = await websockets.connect(server.ws_url, subprotocols=[protocol])  # type: ignore[list-item]
    await ws.send(
        json.dumps(
            {
                "type": "connection_init",
                "payload": {"Authorization": f"Bearer {server.operator_token}"},
            }
        )
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def test_subscriptions_per_connection_are_capped_on_the_legacy_protocol(
    tight_server: ServerProcess,
) -> None:
    ws = await init(tight_server, "graphql-ws")
    try:
        for n in range(4):
            await ws.send(
                json.dumps(
                    {
                        "id": str(n),
                        "type": "start",
                        "payload": {"query": "subscription { events { id } }"},
                    }
                )
            )
        answer = json.loads(await ws.recv())
        while answer.get("type") == "ka":
            answer = json.loads(await ws.recv())
        assert answer["type"] == "error" and answer["id"] == "3"
    finally:
        await ws.close()


async def test_connections_per_token_are_capped(tight_server: ServerProcess) -> None:
    first, second = await init(tight_server), await init(tight_server)
    try:
        async with websockets.connect(
            tight_server.ws_url, subprotocols=["graphql-transport-ws"]
        ) as third:  # type: ignore[list-item]
            await third.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {tight_server.operator_token}"},
                    }
                )
            )
            assert await closed_with(third) == 4429
    finally:
        await first.close()
        await second.close()


async def test_a_message_over_the_http_cap_closes_the_socket(tight_server: ServerProcess) -> None:
    ws = await init(tight_server)
    try:
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "{ me }" + " " * 70_000}}
            )
        )
        assert await closed_with(ws) == 1009  # message too big
    finally:
        await ws.close()


async def test_an_agent_token_is_refused_on_the_board_too(
    server: ServerProcess, operator: Client
) -> None:
    token = await make_agent(operator, "boardless")
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.url}/login?token={token}", allow_redirects=False) as answer,
    ):
        assert answer.status == 200  # the login page again, no session
        assert "mc_session" not in answer.cookies


@pytest.mark.postgres
async def test_a_lost_database_is_unavailable_with_a_retry_hint_not_internal(
    tmp_path: Path,
) -> None:
    import asyncpg

    from tests.support.databases import POSTGRES_SERVER, postgres_database

    async with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        with ServerProcess(workdir=tmp_path, database_url=url) as server:
            operator = http_client(server.graphql_url, server.operator_token)
            await make_task(operator)
            admin = await asyncpg.connect(f"{POSTGRES_SERVER}/test")
            try:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
                status, answer = await post(
                    server, json.dumps({"query": "{ tasks { nodes { id } } }"}).encode()
                )
                assert status == 503, answer
                error = answer["errors"][0]
                assert error["extensions"]["code"] == "UNAVAILABLE"
                assert error["extensions"]["retryAfterSeconds"] > 0
            finally:
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await admin.close()
            # Once the database is back, the same request is answered.
            for _ in range(20):
                status, answer = await post(
                    server, json.dumps({"query": "{ tasks { nodes { id } } }"}).encode()
                )
                if status == 200:
                    break
            assert status == 200 and answer["data"]["tasks"]["nodes"], answer
