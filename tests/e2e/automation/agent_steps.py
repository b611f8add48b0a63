"""What an agent loop does, and waiting for the automation's Events, over the real API."""

from __future__ import annotations

from typing import Any

from gql import Client, GraphQLRequest

from tests.support.graphql import run, ws_client
from tests.support.server import ServerProcess

CLAIM_NEXT = "mutation { claimNextTask { outcome task { id title } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { status } }'
WATCH = """subscription($taskId: Int) { events(since: 0, taskId: $taskId) {
  kind actor toStatus payload } }"""


async def work_next(agent: Client) -> int | None:
    """What an agent loop does once: claim the next task and hand it in."""
    claim = (await run(agent, CLAIM_NEXT))["claimNextTask"]
    if claim["outcome"] != "CLAIMED":
        return None
    task_id = int(claim["task"]["id"])
    await run(agent, SUBMIT, {"id": task_id})
    return task_id


async def automatic_event(server: ServerProcess, task_id: int, kind: str) -> dict[str, Any]:
    """The first Event of `kind` by automation on the task (replayed or live)."""
    client = ws_client(server.ws_url, server.operator_token)
    async with client as session:
        request = GraphQLRequest(WATCH, variable_values={"taskId": task_id})
        async for result in session.subscribe(request):
            event = result["events"]
            if event["kind"] == kind and event["actor"] == "automation":
                return event
    raise AssertionError("the subscription ended")
