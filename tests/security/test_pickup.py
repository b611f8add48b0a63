"""One pickup rule for every path that hands an agent a task, enforced atomically.

Each test is a finding of issue 12: before, transitionTask bypassed pause, manual mode and the
WIP limit; concurrent claims by one agent exceeded its WIP limit on PostgreSQL; claimTask
ignored dependencies and other agents' assignments.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gql import Client

from tests.support.databases import database_url
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

TRANSITION = "mutation($id: Int!) { transitionTask(id: $id, to: IN_PROGRESS) { status assignee } }"
CLAIM = "mutation($id: Int!) { claimTask(id: $id) { status assignee } }"
CLAIM_NEXT = "mutation { claimNextTask { outcome task { id } reason } }"
HELD = "{ tasks(where: {status: [IN_PROGRESS]}) { nodes { id assignee } } }"


async def held_by(operator: Client, agent: str) -> list[int]:
    nodes = (await run(operator, HELD))["tasks"]["nodes"]
    return [node["id"] for node in nodes if node["assignee"] == agent]


async def refused(client: Client, query: str, variables: dict[str, object] | None = None) -> str:
    with pytest.raises(GraphQLFailed) as error:
        await run(client, query, variables)
    return str(error.value.code)


@pytest.fixture
async def dev(server: ServerProcess, operator: Client) -> Client:
    return http_client(server.graphql_url, await make_agent(operator, "dev"))


async def test_transition_to_in_progress_respects_the_global_pause(
    operator: Client, dev: Client
) -> None:
    task = await make_task(operator)
    await run(operator, "mutation { setAutonomy(paused: true) { paused } }")
    assert await refused(dev, TRANSITION, {"id": task["id"]}) == "PAUSED"
    assert await held_by(operator, "dev") == []


async def test_transition_to_in_progress_respects_the_agents_pause(
    operator: Client, dev: Client
) -> None:
    task = await make_task(operator)
    await run(operator, 'mutation { pauseAgent(name: "dev") { paused } }')
    assert await refused(dev, TRANSITION, {"id": task["id"]}) == "PAUSED"


async def test_transition_to_in_progress_respects_manual_mode(
    operator: Client, dev: Client
) -> None:
    task = await make_task(operator)
    await run(operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    assert await refused(dev, TRANSITION, {"id": task["id"]}) == "FORBIDDEN"
    assert await refused(dev, CLAIM, {"id": task["id"]}) == "FORBIDDEN"
    assert await held_by(operator, "dev") == []


async def test_transition_on_ten_ready_tasks_holds_only_the_wip_limit(
    operator: Client, dev: Client
) -> None:
    tasks = [await make_task(operator, title=f"t{n}") for n in range(10)]
    outcomes = []
    for task in tasks:
        try:
            await run(dev, TRANSITION, {"id": task["id"]})
            outcomes.append("held")
        except GraphQLFailed as error:
            outcomes.append(str(error.code))
    assert outcomes == ["held"] + ["CONFLICT"] * 9
    assert len(await held_by(operator, "dev")) == 1


async def test_claim_task_refuses_a_task_waiting_on_an_open_dependency(
    operator: Client, dev: Client
) -> None:
    first, second = (
        await make_task(operator, title="first"),
        await make_task(operator, title="then"),
    )
    await run(
        operator,
        "mutation($t: Int!, $d: Int!) { addDependency(taskId: $t, dependsOn: $d) { id } }",
        {"t": second["id"], "d": first["id"]},
    )
    assert await refused(dev, CLAIM, {"id": second["id"]}) == "CONFLICT"
    assert await refused(dev, TRANSITION, {"id": second["id"]}) == "CONFLICT"


async def test_claim_task_refuses_a_task_assigned_to_another_agent(
    server: ServerProcess, operator: Client, dev: Client
) -> None:
    await make_agent(operator, "ops")
    task = await make_task(operator)
    await run(
        operator,
        'mutation($id: Int!) { assignTask(id: $id, agent: "ops") { assignee } }',
        {"id": task["id"]},
    )
    assert await refused(dev, CLAIM, {"id": task["id"]}) == "FORBIDDEN"
    assert await held_by(operator, "dev") == []


async def test_a_granted_approval_still_respects_a_pause(operator: Client, dev: Client) -> None:
    task = await make_task(operator)
    await run(operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    asked = (await run(dev, "mutation { claimNextTask { outcome approvalId } }"))["claimNextTask"]
    assert asked["outcome"] == "AWAITING_APPROVAL"
    await run(operator, 'mutation { pauseAgent(name: "dev") { paused } }')
    grant = "mutation($id: Int!) { decideApproval(id: $id, approve: true) { status } }"
    assert await refused(operator, grant, {"id": asked["approvalId"]}) == "PAUSED"
    assert await held_by(operator, "dev") == []
    del task


async def test_the_operator_can_force_a_handover_and_the_event_says_so(
    operator: Client, dev: Client
) -> None:
    task = await make_task(operator)
    await run(operator, 'mutation { pauseAgent(name: "dev") { paused } }')
    forced = await run(
        operator,
        'mutation($id: Int!) { assignTask(id: $id, agent: "dev", force: true) '
        "{ status assignee } }",
        {"id": task["id"]},
    )
    assert forced["assignTask"] == {"status": "IN_PROGRESS", "assignee": "dev"}
    history = await run(
        operator,
        "query($id: Int!) { taskHistory(taskId: $id) { kind payload } }",
        {"id": task["id"]},
    )
    claimed = [e for e in history["taskHistory"] if e["kind"] == "CLAIMED"]
    assert claimed and claimed[-1]["payload"]["forced"] is True
    assert claimed[-1]["payload"]["override_by"] == "operator"


# --- concurrency, on SQLite and PostgreSQL -------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    async with database_url(request.param, tmp_path) as url:
        with ServerProcess(workdir=tmp_path, database_url=url) as server:
            yield server


@pytest.mark.parametrize("how", ["claimNextTask", "claimTask"])
async def test_ten_concurrent_claims_by_a_wip_one_agent_hold_one(
    any_server: ServerProcess, how: str
) -> None:
    operator = http_client(any_server.graphql_url, any_server.operator_token)
    token = await make_agent(operator, "racer")
    tasks = [await make_task(operator, title=f"race {n}") for n in range(10)]

    async def one(n: int) -> None:
        client = http_client(any_server.graphql_url, token)
        try:
            if how == "claimTask":
                await run(client, CLAIM, {"id": tasks[n]["id"]})
            else:
                await run(client, CLAIM_NEXT)
        except GraphQLFailed as error:
            assert error.code in ("CONFLICT",), error

    await asyncio.gather(*(one(n) for n in range(10)))
    assert len(await held_by(operator, "racer")) == 1
