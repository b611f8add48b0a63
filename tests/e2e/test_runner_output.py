"""A real runner streams its command's output: coalesced chunks, a bounded tail, one Event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from gql import GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run, ws_client
from tests.support.runners import RunnerProcess, start_runner
from tests.support.server import ServerProcess

AGENT = 'query { agent(name: "dev") { outputTail outputTaskId outputAt currentTask { id } } }'
REPORT = (
    "mutation($id: Int!, $chunk: String!) "
    "{ reportOutput(taskId: $id, chunk: $chunk) { taskId lines tail } }"
)
FOLLOW = """
subscription {
  events(since: 0, kinds: [CREATED, OUTPUT, SUBMITTED]) { id kind taskId agentName payload }
}
"""


async def follow_a_run(server: ServerProcess, start: Callable[[], object]) -> list[dict[str, Any]]:
    """OUTPUT Events, live: `start` runs once the stream sees the task created (so none is
    missed), and the stream ends when the task is submitted."""
    seen: list[dict[str, Any]] = []
    async with ws_client(server.ws_url, server.operator_token) as session:
        async for result in session.subscribe(GraphQLRequest(FOLLOW)):
            seen.append(result["events"])
            if seen[-1]["kind"] == "CREATED":
                start()
            if seen[-1]["kind"] == "SUBMITTED":
                return seen
    return seen


async def test_the_runner_streams_its_commands_output_into_the_agents_bounded_tail(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, title="Print a lot", tags=["python"])

    events = await asyncio.wait_for(
        follow_a_run(
            server, lambda: runners.append(start_runner(server, "dev", token, "--lines", "600"))
        ),
        60,
    )

    outputs = [e for e in events if e["kind"] == "OUTPUT"]
    # 600 lines over ~2 s, sent at most once a second: a handful of chunks, not 600 requests.
    assert 2 <= len(outputs) <= 8, [len(e["payload"]["lines"].split("\n")) for e in outputs]
    assert {e["agentName"] for e in outputs} == {"dev"}
    assert {e["payload"]["holding"] for e in outputs} == {task["id"]}
    agent = (await run(operator, AGENT))["agent"]
    lines = agent["outputTail"].split("\n")
    assert agent["outputTaskId"] == task["id"] and agent["outputAt"] is not None
    assert len(lines) == 200 and len(agent["outputTail"]) <= 16_000
    assert lines[-1] == "did Print a lot"
    assert "output line 599" in lines and "output line 449" in lines, "stderr lines too"
    assert "output line 0" not in lines
    log = await run(operator, "{ events(limit: 1000) { kind } }")
    assert [e["kind"] for e in log["events"]].count("OUTPUT") == 1, "superseded ones pruned"


@pytest.mark.parametrize(
    ("who", "chunk", "task", "code"),
    [
        ("dev", "x" * 8_001, "own", "VALIDATION"),
        ("dev", "escape \x1b[2J", "own", "VALIDATION"),
        ("dev", "not mine", "other's", "FORBIDDEN"),
        ("viewer", "a viewer", "own", "FORBIDDEN"),
    ],
    ids=["oversized chunk", "terminal escape", "a task it does not hold", "viewer"],
)
async def test_bad_output_reports_are_refused_over_graphql_and_change_nothing(
    server: ServerProcess, who: str, chunk: str, task: str, code: str
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    tokens = {name: await make_agent(operator, name) for name in ("dev", "other")}
    viewer = await run(operator, 'mutation { issueViewerToken(name: "watcher") }')
    tokens["viewer"] = viewer["issueViewerToken"]
    ids = {}
    for name in ("dev", "other"):
        made = await make_task(operator, title=f"{name}'s job")
        await run(
            http_client(server.graphql_url, tokens[name]),
            "mutation($id: Int!) { claimTask(id: $id) { id } }",
            {"id": made["id"]},
        )
        ids[{"dev": "own", "other": "other's"}[name]] = made["id"]
    dev = http_client(server.graphql_url, tokens["dev"])
    await run(dev, REPORT, {"id": ids["own"], "chunk": "first line"})
    before = (await run(operator, AGENT))["agent"]
    log_before = await run(operator, "{ events(limit: 1000) { id } }")

    with pytest.raises(GraphQLFailed) as refused:
        await run(
            http_client(server.graphql_url, tokens[who]),
            REPORT,
            {"id": ids[task], "chunk": chunk},
        )

    assert refused.value.code == code
    assert (await run(operator, AGENT))["agent"] == before
    assert await run(operator, "{ events(limit: 1000) { id } }") == log_before
