"""A watcher that drops its WebSocket and returns with `since` misses nothing, repeats nothing."""

from __future__ import annotations

from typing import Any

import pytest
from gql import Client, GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import run, ws_client
from tests.support.server import ServerProcess

SUBSCRIBE = """
subscription($since: Int) {
  events(since: $since) { id kind taskId fromStatus toStatus }
}
"""
AUDIT_LOG = "query($after: Int!) { events(after: $after, limit: 1000) { id kind taskId } }"


async def receive(client: Client, since: int, count: int) -> list[dict[str, Any]]:
    """Subscribe from `since`, take `count` Events, then disconnect."""
    received: list[dict[str, Any]] = []
    async with client as session:
        request = GraphQLRequest(SUBSCRIBE, variable_values={"since": since})
        async for result in session.subscribe(request):
            received.append(result["events"])
            if len(received) == count:
                break
    return received


async def audit_log(operator: Client, after: int) -> list[dict[str, Any]]:
    return (await run(operator, AUDIT_LOG, {"after": after}))["events"]


async def work_while_away(operator: Client, agent: Client) -> None:
    """A burst of changes of several kinds on several tasks."""
    first = await make_task(operator, title="Ship the release")
    await make_task(operator, title="Draft", description="", priority=None)
    await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": first["id"]})
    await run(
        agent,
        "mutation($id: Int!) { reportProgress(id: $id, progress: 70) { id } }",
        {"id": first["id"]},
    )
    await run(
        operator,
        'mutation($id: Int!) { blockTask(id: $id, reason: "needs sign-off") { id } }',
        {"id": first["id"]},
    )


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_watcher_that_reconnects_with_since_gets_exactly_what_it_missed(
    server: ServerProcess, operator: Client, client_for: Any, protocol: str
) -> None:
    agent = client_for(await make_agent(operator, "dev"))
    await make_task(operator, title="Before the watcher left")
    seen_before = await audit_log(operator, 0)

    first_visit = await receive(
        ws_client(server.ws_url, server.operator_token, protocol), 0, len(seen_before)
    )
    assert [e["id"] for e in first_visit] == [e["id"] for e in seen_before]
    last_seen = first_visit[-1]["id"]

    await work_while_away(operator, agent)
    missed = await audit_log(operator, last_seen)
    kinds = ["CREATED", "TRIAGED", "CREATED", "CLAIMED", "PROGRESS", "BLOCKED"]
    assert [e["kind"] for e in missed] == kinds

    # Come back from the last id seen; then one more live change proves the stream goes on
    # straight after the replay, with nothing repeated in between.
    watcher = ws_client(server.ws_url, server.operator_token, protocol)
    async with watcher as session:
        stream = session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"since": last_seen}))
        replayed = [(await anext(stream))["events"] for _ in missed]
        live_task = await make_task(operator, title="After the watcher came back")
        live = (await anext(stream))["events"]
        await stream.aclose()

    assert [(e["id"], e["kind"], e["taskId"]) for e in replayed] == [
        (e["id"], e["kind"], e["taskId"]) for e in missed
    ]
    assert live["kind"] == "CREATED" and live["taskId"] == live_task["id"]
    assert live["id"] == (await audit_log(operator, missed[-1]["id"]))[0]["id"]
