"""Steps of the autonomous loop over the real API, and a way to await one Event."""

from __future__ import annotations

import asyncio
from typing import Any

from gql import Client, GraphQLRequest

from tests.support.graphql import run, ws_client
from tests.support.server import ServerProcess

CLAIM_NEXT = "mutation { claimNextTask { outcome approvalId reason task { id status assignee } } }"
AGENT = "query($name: String!) { agent(name: $name) { name status paused currentLoad } }"
TASK = "query($id: Int!) { task(id: $id) { id status assignee version leaseExpiresAt } }"


async def heartbeat(agent: Client, **variables: Any) -> dict[str, Any]:
    data = await run(
        agent,
        "mutation($tokenBudget: Int, $note: String, $status: AgentStatus) "
        "{ heartbeat(tokenBudget: $tokenBudget, note: $note, status: $status) "
        "{ name status tokenBudget note } }",
        variables,
    )
    return data["heartbeat"]


async def claim_next(agent: Client) -> dict[str, Any]:
    return (await run(agent, CLAIM_NEXT))["claimNextTask"]


async def claim(agent: Client, task_id: int) -> dict[str, Any]:
    data = await run(
        agent, "mutation($id: Int!) { claimTask(id: $id) { id status assignee } }", {"id": task_id}
    )
    return data["claimTask"]


async def task_of(client: Client, task_id: int) -> dict[str, Any]:
    return (await run(client, TASK, {"id": task_id}))["task"]


async def agent_of(client: Client, name: str) -> dict[str, Any]:
    return (await run(client, AGENT, {"name": name}))["agent"]


async def set_autonomy(operator: Client, **variables: Any) -> dict[str, Any]:
    data = await run(
        operator,
        "mutation($paused: Boolean, $mode: AutonomyMode) "
        "{ setAutonomy(paused: $paused, mode: $mode) { paused mode } }",
        variables,
    )
    return data["setAutonomy"]


async def last_event_id(client: Client) -> int:
    events = (await run(client, "{ events(after: 0, limit: 1000) { id } }"))["events"]
    return events[-1]["id"] if events else 0


EVENTS = """
subscription($since: Int, $kinds: [EventKind!], $agent: String) {
  events(since: $since, kinds: $kinds, agent: $agent) { id kind actor agentName taskId payload }
}
"""


async def events_of(
    server: ServerProcess, count: int, timeout: float = 20.0, **variables: Any
) -> list[dict[str, Any]]:
    """Await `count` Events matching the filter (replayed from `since`, so none is missed)."""
    received: list[dict[str, Any]] = []

    async def collect() -> None:
        async with ws_client(server.ws_url, server.operator_token) as session:
            request = GraphQLRequest(EVENTS, variable_values=variables)
            async for result in session.subscribe(request):
                received.append(result["events"])
                if len(received) == count:
                    return

    await asyncio.wait_for(collect(), timeout)
    return received
