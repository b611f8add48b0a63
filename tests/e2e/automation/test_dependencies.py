"""Dependencies, subtasks and the automation rules over the real server and gql client.

The agent here is driven by the gql client, as the runner of the `runner` branch is not on
this branch yet; it makes the same calls (claimNextTask, reportProgress, submitForReview).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gql import Client

from tests.e2e.automation.agent_steps import SUBMIT, automatic_event, work_next
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

ADD = """mutation($t: Int!, $d: Int!) { addDependency(taskId: $t, dependsOn: $d) {
  id version dependsOn } }"""
REMOVE = """mutation($t: Int!, $d: Int!) { removeDependency(taskId: $t, dependsOn: $d) {
  id dependsOn } }"""
APPROVE = "mutation($id: Int!) { approveTask(id: $id) { status } }"
TASK = "query($id: Int!) { task(id: $id) { status version progress dependsOn } }"


async def state(operator: Client, task_id: int) -> dict[str, Any]:
    return (await run(operator, TASK, {"id": task_id}))["task"]


async def test_agent_works_a_chain_of_three_tasks_in_dependency_order(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    # The most urgent task comes last in the chain: without dependencies it would go first.
    deploy = await make_task(operator, "Deploy", "Ship it", priority=1)
    build = await make_task(operator, "Build", "Compile it", priority=2)
    design = await make_task(operator, "Design", "Plan it", priority=3)
    await run(operator, ADD, {"t": deploy["id"], "d": build["id"]})
    await run(operator, ADD, {"t": build["id"], "d": design["id"]})

    worked: list[int] = []
    for _step in range(3):
        task_id = await work_next(agent)
        assert task_id is not None
        worked.append(task_id)
        assert await work_next(agent) is None  # the next one waits until this one is done
        await run(operator, APPROVE, {"id": task_id})

    assert worked == [design["id"], build["id"], deploy["id"]]
    assert await work_next(agent) is None


async def test_a_dependency_cycle_is_refused_and_names_the_cycle(
    server: ServerProcess, operator: Client
) -> None:
    a, b, c = [await make_task(operator, title) for title in ("A", "B", "C")]
    await run(operator, ADD, {"t": b["id"], "d": a["id"]})
    await run(operator, ADD, {"t": c["id"], "d": b["id"]})
    before = await state(operator, a["id"])

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, ADD, {"t": a["id"], "d": c["id"]})

    assert failure.value.code == "VALIDATION"
    assert f"#{a['id']} → #{c['id']} → #{b['id']} → #{a['id']}" in str(failure.value)
    assert await state(operator, a["id"]) == before
    with pytest.raises(GraphQLFailed) as itself:
        await run(operator, ADD, {"t": a["id"], "d": a["id"]})
    assert itself.value.code == "VALIDATION"


async def test_removing_a_dependency_frees_the_task(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    first = await make_task(operator, "First", "x", priority=1)
    second = await make_task(operator, "Second", "y", priority=3)
    await run(operator, ADD, {"t": first["id"], "d": second["id"]})

    assert (await run(operator, REMOVE, {"t": first["id"], "d": second["id"]}))["removeDependency"][
        "dependsOn"
    ] == []
    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, REMOVE, {"t": first["id"], "d": second["id"]})
    assert failure.value.code == "VALIDATION"
    assert await work_next(agent) == first["id"]


async def test_an_agent_cannot_add_dependencies(server: ServerProcess, operator: Client) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    a, b = await make_task(operator, "A"), await make_task(operator, "B")

    with pytest.raises(GraphQLFailed) as failure:
        await run(agent, ADD, {"t": a["id"], "d": b["id"]})

    assert failure.value.code == "FORBIDDEN"
    assert (await state(operator, a["id"]))["dependsOn"] == []


async def test_parent_cannot_be_approved_while_a_subtask_is_open(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    parent = await make_task(operator, "Release", "All of it", priority=1)
    child = await make_task(operator, "Changelog", "Write it", priority=5, parentId=parent["id"])
    claim = "mutation($id: Int!) { claimTask(id: $id) { status } }"
    await run(agent, claim, {"id": parent["id"]})
    await run(agent, SUBMIT, {"id": parent["id"]})
    before = await state(operator, parent["id"])

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, APPROVE, {"id": parent["id"]})

    assert failure.value.code == "VALIDATION"
    assert f"#{child['id']}" in str(failure.value)
    assert await state(operator, parent["id"]) == before
    await run(
        operator,
        'mutation($id: Int!) { cancelTask(id: $id, reason: "no") { id } }',
        {"id": child["id"]},
    )
    assert (await run(operator, APPROVE, {"id": parent["id"]}))["approveTask"]["status"] == "DONE"


async def test_parent_progress_is_the_mean_of_its_subtasks(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    parent = await make_task(operator, "Release", "All of it", priority=5)
    first = await make_task(operator, "Notes", "Write", priority=1, parentId=parent["id"])
    await make_task(operator, "Tag", "Tag it", priority=5, parentId=parent["id"])
    assert await work_next(agent) is not None  # hands `first` in; its progress is set below
    await run(
        operator,
        'mutation($id: Int!) { rejectTask(id: $id, feedback: "more") { id } }',
        {"id": first["id"]},
    )
    report = "mutation($id: Int!) { reportProgress(id: $id, progress: 60) { progress } }"
    await run(agent, report, {"id": first["id"]})

    assert (await state(operator, parent["id"]))["progress"] == 30
    await run(agent, SUBMIT, {"id": first["id"]})
    await run(operator, APPROVE, {"id": first["id"]})
    assert (await state(operator, parent["id"]))["progress"] == 50


async def test_trivial_work_is_approved_by_automation_as_soon_as_it_is_submitted(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    task = await make_task(operator, "Fix typo", "README", priority=4, tags=["trivial"])

    assert await work_next(agent) == task["id"]
    event = await asyncio.wait_for(automatic_event(server, task["id"], "APPROVED"), 20)

    assert event["toStatus"] == "DONE"
    assert event["payload"]["reason"] == "review → done: tagged trivial, approved on submission"
    assert (await state(operator, task["id"]))["status"] == "DONE"


async def test_blocked_task_is_unblocked_by_automation_when_its_dependency_is_done(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    schema = await make_task(operator, "Schema", "Design", priority=1)
    api = await make_task(operator, "API", "Build", priority=2)
    await run(operator, ADD, {"t": api["id"], "d": schema["id"]})
    block = 'mutation($id: Int!) { blockTask(id: $id, reason: "needs the schema") { status } }'
    await run(operator, block, {"id": api["id"]})
    assert await work_next(agent) == schema["id"]

    await run(operator, APPROVE, {"id": schema["id"]})
    event = await asyncio.wait_for(automatic_event(server, api["id"], "UNBLOCKED"), 20)

    assert event["toStatus"] == "READY"
    assert f"#{schema['id']}" in event["payload"]["reason"]
    assert await work_next(agent) == api["id"]
