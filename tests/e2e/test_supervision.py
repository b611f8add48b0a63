"""The supervisor's rules over the real API, tried as a careless agent and an attacker would:
failed attempts only by the holder, limits only by the operator and in range, a retry waits
its backoff, two reports of one failure count once, an unblock gives fresh attempts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.loop import claim_next
from tests.support.server import ServerProcess

FAIL = """
mutation($id: Int!, $error: String!) {
  failAttempt(id: $id, error: $error, timedOut: false) { status attempts retryAt blockReason }
}
"""
LIMITS = """
mutation($id: Int!, $attempts: Int, $seconds: Int, $backoff: Int) {
  setTaskLimits(id: $id, maxAttempts: $attempts, maxRunSeconds: $seconds,
                retryBackoffSeconds: $backoff) {
    limits { maxAttempts maxRunSeconds retryBackoffSeconds }
  }
}
"""
STATE = """
query($id: Int!) {
  task(id: $id) { status assignee attempts retryAt version blockReason
                  limits { maxAttempts maxRunSeconds retryBackoffSeconds } }
}
"""


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {"MC_MAX_ATTEMPTS": "2", "MC_RETRY_BACKOFF_SECONDS": "3600"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def state(client: Client, task_id: int) -> dict[str, Any]:
    return (await run(client, STATE, {"id": task_id}))["task"]


async def refused(client: Client, query: str, variables: dict[str, Any]) -> str:
    with pytest.raises(GraphQLFailed) as failure:
        await run(client, query, variables)
    return str(failure.value.code)


async def test_only_the_holder_or_the_operator_can_report_a_failed_attempt(
    server: ServerProcess, client_for: Callable[[str | None], Client]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    holder = client_for(await make_agent(operator, "holder", ["python"]))
    other = client_for(await make_agent(operator, "other", ["python"]))
    task = await make_task(operator, tags=["python"])
    assert (await claim_next(holder))["task"]["id"] == task["id"]
    before = await state(operator, task["id"])

    assert await refused(other, FAIL, {"id": task["id"], "error": "x"}) == "FORBIDDEN"
    viewer = client_for(
        (await run(operator, 'mutation { issueViewerToken(name: "v") }'))["issueViewerToken"]
    )
    assert await refused(viewer, FAIL, {"id": task["id"], "error": "x"}) == "FORBIDDEN"
    assert await state(operator, task["id"]) == before


async def test_limits_are_the_operators_and_out_of_range_ones_change_nothing(
    server: ServerProcess, client_for: Callable[[str | None], Client]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    agent = client_for(await make_agent(operator, "dev", ["python"]))
    task = await make_task(operator, tags=["python"])
    before = await state(operator, task["id"])
    assert before["limits"] == {
        "maxAttempts": 2,
        "maxRunSeconds": 7200,
        "retryBackoffSeconds": 3600,
    }

    assert await refused(agent, LIMITS, {"id": task["id"], "attempts": 9}) == "FORBIDDEN"
    for bad in ({"attempts": 0}, {"seconds": -1}, {"backoff": 999_999}, {}):
        assert await refused(operator, LIMITS, {"id": task["id"], **bad}) == "VALIDATION"
    assert await state(operator, task["id"]) == before

    changed = await run(operator, LIMITS, {"id": task["id"], "attempts": 5, "seconds": 0})
    assert changed["setTaskLimits"]["limits"] == {
        "maxAttempts": 5,
        "maxRunSeconds": None,  # 0: no time limit for this task
        "retryBackoffSeconds": 3600,
    }


async def test_a_failed_attempt_waits_its_backoff_and_the_last_one_blocks(
    server: ServerProcess, client_for: Callable[[str | None], Client]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    agent = client_for(await make_agent(operator, "dev", ["python"]))
    waiting = await make_task(operator, title="waits an hour", tags=["python"])
    await claim_next(agent)
    first = (await run(agent, FAIL, {"id": waiting["id"], "error": "disk full"}))["failAttempt"]
    assert first["status"] == "READY" and first["attempts"] == 1 and first["retryAt"]
    # An hour of backoff: the task is ready, but nobody gets it yet.
    assert (await claim_next(agent))["outcome"] == "NOTHING"

    task = await make_task(operator, title="no backoff", tags=["python"])
    await run(operator, LIMITS, {"id": task["id"], "backoff": 0})
    for attempt in (1, 2):
        assert (await claim_next(agent))["task"]["id"] == task["id"]
        failed = (await run(agent, FAIL, {"id": task["id"], "error": f"err {attempt}"}))[
            "failAttempt"
        ]
    assert failed["status"] == "BLOCKED" and failed["attempts"] == 2
    assert failed["blockReason"] == "attempt 2 of 2 failed; giving up. Last error: err 2"

    await run(operator, "mutation($id: Int!) { unblockTask(id: $id) { id } }", {"id": task["id"]})
    fresh = await state(operator, task["id"])
    assert (fresh["status"], fresh["attempts"], fresh["retryAt"]) == ("READY", 0, None)


async def test_two_reports_of_one_failure_count_once(
    server: ServerProcess, client_for: Callable[[str | None], Client]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, tags=["python"])
    await claim_next(client_for(token))

    # Two connections of the same agent, as a runner retrying a report might open.
    outcomes = await asyncio.gather(
        *(run(client_for(token), FAIL, {"id": task["id"], "error": "twice"}) for _ in range(2)),
        return_exceptions=True,
    )

    errors = [o for o in outcomes if isinstance(o, GraphQLFailed)]
    assert len(errors) == 1 and errors[0].code in ("INVALID_TRANSITION", "CONFLICT", "FORBIDDEN")
    assert (await state(operator, task["id"]))["attempts"] == 1
