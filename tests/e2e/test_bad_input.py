"""Bad input gets a clear error with its code, and the database is left exactly as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportError, TransportQueryError

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run, ws_client
from tests.support.server import ServerProcess

SNAPSHOT = """
{
  tasks(first: 500) {
    totalCount
    nodes { id status version title description priority tags assignee progress blockReason }
  }
  board { columns { status count } }
  events(after: 0, limit: 5000) { id }
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for every refusal here: each test compares the state around its own refusal."""
    workdir: Path = tmp_path_factory.mktemp("bad-input")
    with ServerProcess(workdir=workdir, database_url=f"sqlite://{workdir / 'mc.db'}") as process:
        yield process


@pytest.fixture
def operator(server: ServerProcess) -> Client:
    return http_client(server.graphql_url, server.operator_token)


async def snapshot(operator: Client) -> dict[str, Any]:
    return await run(operator, SNAPSHOT)


async def refused_without_change(
    operator: Client, attempt: Awaitable[Any], code: str
) -> GraphQLFailed:
    """Run the bad request; it must fail with `code` and leave tasks, board and log as they were."""
    before = await snapshot(operator)
    with pytest.raises(GraphQLFailed) as refused:
        await attempt
    assert refused.value.code == code, refused.value.errors
    assert refused.value.errors[0]["message"]
    assert await snapshot(operator) == before
    return refused.value


async def post_raw(server: ServerProcess, body: bytes | dict[str, Any], token: str | None) -> Any:
    """A request the gql client would refuse to send (it parses queries itself)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session:
        data = body if isinstance(body, bytes) else None
        json = body if isinstance(body, dict) else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with session.post(server.graphql_url, data=data, json=json, headers=headers) as r:
            answer = await r.json()
            if answer.get("errors"):
                failed = GraphQLFailed(answer["errors"])
                failed.status = r.status  # type: ignore[attr-defined]
                raise failed
            return answer


async def test_unknown_task_id_is_not_found(operator: Client) -> None:
    await make_task(operator)
    error = await refused_without_change(
        operator, run(operator, "mutation { approveTask(id: 999999) { id } }"), "NOT_FOUND"
    )
    assert "#999999" in error.errors[0]["message"]


async def test_illegal_transition_says_where_the_task_can_go(operator: Client) -> None:
    task = await make_task(operator)
    error = await refused_without_change(
        operator,
        run(
            operator,
            "mutation($id: Int!) { transitionTask(id: $id, to: DONE) { id } }",
            {"id": task["id"]},
        ),
        "INVALID_TRANSITION",
    )
    assert "from ready to done" in error.errors[0]["message"]
    assert "in_progress" in error.errors[0]["message"]


async def test_unblocking_a_task_that_is_not_blocked_says_so(operator: Client) -> None:
    task = await make_task(operator)
    error = await refused_without_change(
        operator,
        run(operator, "mutation($id: Int!) { unblockTask(id: $id) { id } }", {"id": task["id"]}),
        "INVALID_TRANSITION",
    )
    message = error.errors[0]["message"]
    assert message.startswith(f"Task #{task['id']} is not blocked (it is ready)")
    assert "ready to ready" not in message


@pytest.mark.parametrize("reason", ["", "   "])
async def test_blocking_with_an_empty_reason_is_refused(operator: Client, reason: str) -> None:
    task = await make_task(operator)
    error = await refused_without_change(
        operator,
        run(
            operator,
            "mutation($id: Int!, $r: String!) { blockTask(id: $id, reason: $r) { id } }",
            {"id": task["id"], "r": reason},
        ),
        "VALIDATION",
    )
    assert "reason" in error.errors[0]["message"]


@pytest.mark.parametrize("priority", [0, 6, -3])
async def test_priority_out_of_range_is_refused_on_create_and_update(
    operator: Client, priority: int
) -> None:
    task = await make_task(operator)
    await refused_without_change(operator, make_task(operator, priority=priority), "VALIDATION")
    error = await refused_without_change(
        operator,
        run(
            operator,
            "mutation($id: Int!, $p: Int!) { updateTask(id: $id, input: {priority: $p}) { id } }",
            {"id": task["id"], "p": priority},
        ),
        "VALIDATION",
    )
    assert error.errors[0]["extensions"]["field"] == "priority"


async def test_a_title_over_the_limit_is_refused(operator: Client) -> None:
    error = await refused_without_change(
        operator, make_task(operator, title="x" * 201), "VALIDATION"
    )
    assert "at most 200" in error.errors[0]["message"]


async def test_a_ten_megabyte_title_is_refused_before_it_is_read(
    server: ServerProcess, operator: Client
) -> None:
    await make_task(operator)
    body = {
        "query": "mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }",
        "variables": {"input": {"title": "x" * 10_000_000, "priority": 3}},
    }
    error = await refused_without_change(
        operator, post_raw(server, body, server.operator_token), "VALIDATION"
    )
    assert error.status == 413  # type: ignore[attr-defined]
    assert "larger than" in error.errors[0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        "mutation { createTask(",
        "{ task(id: 1) { id ",
        "query { noSuchField }",
    ],
)
async def test_a_malformed_query_is_a_bad_query(
    server: ServerProcess, operator: Client, query: str
) -> None:
    await refused_without_change(
        operator, post_raw(server, {"query": query}, server.operator_token), "BAD_QUERY"
    )


async def test_a_body_that_is_not_json_is_refused(server: ServerProcess, operator: Client) -> None:
    before = await snapshot(operator)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            server.graphql_url,
            data=b"{not json",
            headers={
                "Authorization": f"Bearer {server.operator_token}",
                "Content-Type": "application/json",
            },
        ) as answer,
    ):
        assert answer.status == 400
    assert await snapshot(operator) == before


async def test_a_too_deep_query_is_refused_by_the_depth_limiter(
    server: ServerProcess, operator: Client
) -> None:
    task = await make_task(operator)
    nested = "id"
    for _ in range(12):
        nested = f"subtasks {{ {nested} }}"
    query = f"{{ task(id: {task['id']}) {{ {nested} }} }}"
    error = await refused_without_change(
        operator, post_raw(server, {"query": query}, server.operator_token), "BAD_QUERY"
    )
    assert "depth" in error.errors[0]["message"]


async def test_too_many_aliases_are_refused(server: ServerProcess, operator: Client) -> None:
    fields = " ".join(
        f'a{n}: createTask(input: {{title: "alias {n}", priority: 3}}) {{ id }}' for n in range(21)
    )
    error = await refused_without_change(
        operator,
        post_raw(server, {"query": f"mutation {{ {fields} }}"}, server.operator_token),
        "BAD_QUERY",
    )
    assert "aliases" in error.errors[0]["message"]


@pytest.mark.parametrize("token", [None, "mco_not_a_real_token"])
async def test_a_missing_or_wrong_token_is_unauthenticated(
    server: ServerProcess, operator: Client, token: str | None
) -> None:
    stranger = http_client(server.graphql_url, token)
    await refused_without_change(operator, make_task(stranger), "UNAUTHENTICATED")


async def test_an_agent_cannot_submit_another_agents_task(
    server: ServerProcess, operator: Client
) -> None:
    holder = http_client(server.graphql_url, await make_agent(operator, "holder"))
    other = http_client(server.graphql_url, await make_agent(operator, "other"))
    task = await make_task(operator)
    await run(holder, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})
    error = await refused_without_change(
        operator,
        run(
            other,
            'mutation($id: Int!) { submitForReview(id: $id, result: "mine") { id } }',
            {"id": task["id"]},
        ),
        "FORBIDDEN",
    )
    assert "does not hold" in error.errors[0]["message"]


async def test_a_stale_expected_version_is_a_conflict(operator: Client) -> None:
    task = await make_task(operator)
    await run(
        operator,
        'mutation($id: Int!) { updateTask(id: $id, input: {title: "Renamed"}) { version } }',
        {"id": task["id"]},
    )
    error = await refused_without_change(
        operator,
        run(
            operator,
            "mutation($id: Int!, $v: Int!) "
            '{ updateTask(id: $id, input: {title: "Late"}, expectedVersion: $v) { id } }',
            {"id": task["id"], "v": task["version"]},
        ),
        "CONFLICT",
    )
    assert "version" in error.errors[0]["message"]


async def test_a_query_with_too_many_tokens_is_refused(
    server: ServerProcess, operator: Client
) -> None:
    query = "{ " + "me " * 6000 + "}"  # about 18 kB: under the body cap, over the token limit
    error = await refused_without_change(
        operator, post_raw(server, {"query": query}, server.operator_token), "BAD_QUERY"
    )
    assert "token" in error.errors[0]["message"].lower()


@pytest.mark.parametrize(
    "query",
    [
        "{ board(perColumn: -5) { columns { count } } }",
        "{ events(after: 0, limit: -1) { id } }",
        "{ events(after: 0, limit: 0) { id } }",
        "{ tasks(first: 0) { totalCount } }",
        '{ tasks(after: "not-a-cursor") { totalCount } }',
    ],
)
async def test_a_negative_or_garbled_page_size_is_a_validation_error(
    operator: Client, query: str
) -> None:
    await make_task(operator)
    await refused_without_change(operator, run(operator, query), "VALIDATION")


async def test_a_task_under_an_unknown_parent_is_not_created(operator: Client) -> None:
    await refused_without_change(operator, make_task(operator, parentId=987654), "NOT_FOUND")


async def test_a_duplicate_agent_name_is_a_conflict(operator: Client) -> None:
    await make_agent(operator, "twin")
    await refused_without_change(operator, make_agent(operator, "twin"), "CONFLICT")


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_websocket_without_a_token_gets_no_events(
    server: ServerProcess, operator: Client, protocol: str
) -> None:
    await make_task(operator)
    stranger = ws_client(server.ws_url, None, protocol)
    with pytest.raises(TransportError):
        async with stranger as session:
            request = GraphQLRequest("subscription { events(since: 0) { id } }")
            async for _ in session.subscribe(request):
                pytest.fail("a subscriber without a token was sent an Event")


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_refusals_over_websocket_carry_their_code_too(
    server: ServerProcess, operator: Client, protocol: str
) -> None:
    task = await make_task(operator)
    agent_token = await make_agent(operator, f"ws-{protocol}")
    # The legacy protocol carries subscriptions only: a mutation there is itself a bad query.
    legacy = protocol == "graphql-ws"
    attempts = [
        (
            agent_token,
            f"mutation {{ cancelTask(id: {task['id']}) {{ id }} }}",
            "BAD_QUERY" if legacy else "FORBIDDEN",
        ),
        (
            server.operator_token,
            "mutation { approveTask(id: 424242) { id } }",
            "BAD_QUERY" if legacy else "NOT_FOUND",
        ),
        (server.operator_token, "subscription { events { noSuchField } }", "BAD_QUERY"),
    ]
    for token, query, code in attempts:
        before = await snapshot(operator)
        with pytest.raises(TransportQueryError) as refused:
            async with ws_client(server.ws_url, token, protocol) as session:
                if query.startswith("subscription"):
                    async for _ in session.subscribe(GraphQLRequest(query)):
                        pytest.fail("an invalid subscription produced an Event")
                else:
                    await session.execute(GraphQLRequest(query))
        assert refused.value.errors, query
        assert refused.value.errors[0]["extensions"]["code"] == code, refused.value.errors
        assert await snapshot(operator) == before
