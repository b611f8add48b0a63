"""A task's whole life over the real server, watched live by a second client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gql import GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run, ws_client
from tests.support.server import ServerProcess

SUBSCRIBE = """
subscription($since: Int, $taskId: Int) {
  events(since: $since, taskId: $taskId) { id kind actor taskId fromStatus toStatus payload }
}
"""


async def collect(server: ServerProcess, count: int, protocol: str, **variables: Any) -> list[dict]:
    """Subscribe and return the first `count` events received."""
    received: list[dict] = []
    client = ws_client(server.ws_url, server.operator_token, protocol)
    async with client as session:
        async for result in session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=variables)):
            received.append(result["events"])
            if len(received) == count:
                break
    return received


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_task_goes_from_intake_to_done_while_a_watcher_sees_every_event(
    server: ServerProcess, protocol: str
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    agent = http_client(server.graphql_url, token)
    # From the newest Event on: whatever happens before the WebSocket is up is replayed.
    log = await run(operator, "{ events(after: 0, limit: 1000) { id } }")
    watcher = asyncio.create_task(collect(server, 6, protocol, since=log["events"][-1]["id"]))

    task = await make_task(operator, tags=["python"])
    assert task["status"] == "READY"
    claimed = await run(agent, "mutation { claimNextTask { outcome task { id status assignee } } }")
    expected = {"id": task["id"], "status": "IN_PROGRESS", "assignee": "dev"}
    assert claimed["claimNextTask"] == {"outcome": "CLAIMED", "task": expected}
    progress = await run(
        agent,
        "mutation($id: Int!) { reportProgress(id: $id, progress: 40) { progress } }",
        {"id": task["id"]},
    )
    assert progress["reportProgress"]["progress"] == 40
    await run(
        agent,
        'mutation($id: Int!) { submitForReview(id: $id, result: "done") { status } }',
        {"id": task["id"]},
    )
    done = await run(
        operator, "mutation($id: Int!) { approveTask(id: $id) { status } }", {"id": task["id"]}
    )
    assert done["approveTask"]["status"] == "DONE"

    events = await asyncio.wait_for(watcher, 20)
    assert [e["kind"] for e in events] == [
        "CREATED",
        "TRIAGED",
        "CLAIMED",
        "PROGRESS",
        "SUBMITTED",
        "APPROVED",
    ]
    assert {e["taskId"] for e in events} == {task["id"]}
    assert events[-1]["fromStatus"] == "REVIEW" and events[-1]["toStatus"] == "DONE"
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
