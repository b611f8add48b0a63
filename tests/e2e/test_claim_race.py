"""Many agents at once over HTTP: claims are atomic, nothing is handed out twice or lost."""

from __future__ import annotations

import asyncio
from typing import Any

from gql import Client

from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

REGISTER = "mutation($name: String!) { registerAgent(name: $name, wipLimit: 100) { token } }"
CLAIM = "mutation($id: Int!) { claimTask(id: $id) { id status assignee } }"
CLAIM_NEXT = "mutation { claimNextTask { outcome task { id assignee } } }"
BATCH = 20  # aliases per request stay within the server's alias limit


async def register_agents(operator: Client, count: int) -> list[str]:
    tokens = []
    for n in range(count):
        data = await run(operator, REGISTER, {"name": f"agent-{n:02d}"})
        tokens.append(data["registerAgent"]["token"])
    return tokens


async def create_ready_tasks(operator: Client, count: int) -> list[int]:
    """Many ready tasks in few requests: one aliased createTask per task."""
    ids: list[int] = []
    for start in range(0, count, BATCH):
        fields = " ".join(
            f't{n}: createTask(input: {{title: "Task {n}", description: "do it", '
            f"priority: {n % 5 + 1}}}) {{ id status }}"
            for n in range(start, min(start + BATCH, count))
        )
        data = await run(operator, f"mutation {{ {fields} }}")
        assert {task["status"] for task in data.values()} == {"READY"}
        ids += [task["id"] for task in data.values()]
    return ids


async def claim(url: str, token: str, task_id: int) -> dict[str, Any] | str:
    """The claimed task, or the refusal's code."""
    try:
        return (await run(http_client(url, token), CLAIM, {"id": task_id}))["claimTask"]
    except GraphQLFailed as refused:
        return str(refused.code)


async def test_twenty_agents_claim_the_same_task_and_exactly_one_wins(
    server: ServerProcess, operator: Client
) -> None:
    tokens = await register_agents(operator, 20)
    [task_id] = await create_ready_tasks(operator, 1)

    url = server.graphql_url
    outcomes = await asyncio.gather(*(claim(url, token, task_id) for token in tokens))

    winners = [o for o in outcomes if isinstance(o, dict)]
    assert len(winners) == 1 and winners[0]["status"] == "IN_PROGRESS"
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["CONFLICT"] * 19
    history = await run(
        operator,
        "query($id: Int!) { taskHistory(taskId: $id) { kind agentName } }",
        {"id": task_id},
    )
    claims = [e for e in history["taskHistory"] if e["kind"] == "CLAIMED"]
    assert claims == [{"kind": "CLAIMED", "agentName": winners[0]["assignee"]}]
    task = await run(operator, "query($id: Int!) { task(id: $id) { assignee } }", {"id": task_id})
    assert task["task"]["assignee"] == winners[0]["assignee"]


async def claim_until_nothing_left(url: str, token: str) -> list[int]:
    client = http_client(url, token)
    won: list[int] = []
    while True:
        answer = (await run(client, CLAIM_NEXT))["claimNextTask"]
        if answer["outcome"] == "NOTHING":
            return won
        assert answer["outcome"] == "CLAIMED"
        won.append(answer["task"]["id"])


async def test_fifty_agents_drain_a_backlog_of_two_hundred_with_no_claim_twice_or_lost(
    server: ServerProcess, operator: Client
) -> None:
    tokens = await register_agents(operator, 50)
    backlog = await create_ready_tasks(operator, 200)

    url = server.graphql_url
    per_agent = await asyncio.gather(*(claim_until_nothing_left(url, token) for token in tokens))

    claimed = [task_id for won in per_agent for task_id in won]
    assert len(claimed) == 200 and sorted(claimed) == sorted(backlog)
    board = await run(operator, "{ board { columns { status count } } }")
    counts = {c["status"]: c["count"] for c in board["board"]["columns"]}
    assert counts["IN_PROGRESS"] == 200 and counts["READY"] == 0
    log = await run(operator, "{ events(after: 0, limit: 1000) { kind taskId } }")
    claim_events = [e["taskId"] for e in log["events"] if e["kind"] == "CLAIMED"]
    assert sorted(claim_events) == sorted(backlog)
