"""Runner processes under the operator's control: routing by skills, manual mode, global pause."""

from __future__ import annotations

import asyncio

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.runners import RunnerProcess, done_log, start_runner, wait_for_events
from tests.support.server import ServerProcess

STATUS = "query($id: Int!) { task(id: $id) { status assignee } }"
SET_AUTONOMY = (
    "mutation($p: Boolean, $m: AutonomyMode) { setAutonomy(paused: $p, mode: $m) { paused mode } }"
)


async def test_two_runners_with_different_skills_each_do_only_their_kind_of_task_once(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    python_token = await make_agent(operator, "pythonista", ["python"])
    docs_token = await make_agent(operator, "writer", ["docs"])
    backlog = [
        await make_task(operator, title=f"{kind} task {n}", tags=[kind])
        for n in range(3)
        for kind in ("python", "docs")
    ]
    runners.append(start_runner(server, "pythonista", python_token))
    runners.append(start_runner(server, "writer", docs_token))

    await asyncio.wait_for(
        wait_for_events(server, lambda s: sum(e["kind"] == "SUBMITTED" for e in s) == 6), 90
    )

    done = done_log(server)
    assert sorted(task_id for _, task_id, _ in done) == sorted(t["id"] for t in backlog)
    skill_of = {"pythonista": "python", "writer": "docs"}
    assert all(tags == skill_of[agent] for agent, _, tags in done), done
    for task in backlog:
        state = (await run(operator, STATUS, {"id": task["id"]}))["task"]
        assert state["status"] == "REVIEW"
        assert skill_of[state["assignee"]] == task["tags"][0]


async def test_in_manual_mode_the_runner_waits_until_the_operator_approves(
    manual_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = manual_server
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, tags=["python"])
    runners.append(start_runner(server, "dev", token))
    await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "APPROVAL_REQUESTED"), 30
    )
    # The runner keeps beating while it waits; three heartbeats later it still has not started.
    await asyncio.wait_for(
        wait_for_events(server, lambda s: sum(e["kind"] == "HEARTBEAT" for e in s) >= 3), 30
    )
    assert (await run(operator, STATUS, {"id": task["id"]}))["task"]["status"] != "IN_PROGRESS"
    assert done_log(server) == []

    pending = await run(operator, "{ approvals { id taskId agent } }")
    [approval] = pending["approvals"]
    assert (approval["taskId"], approval["agent"]) == (task["id"], "dev")
    await run(
        operator,
        "mutation($id: Int!) { decideApproval(id: $id, approve: true) { status } }",
        {"id": approval["id"]},
    )
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 30
    )

    kinds = [e["kind"] for e in events if e["taskId"] == task["id"]]
    assert kinds.index("APPROVAL_GRANTED") < kinds.index("PROGRESS") < kinds.index("SUBMITTED")
    assert done_log(server) == [("dev", task["id"], "python")]


async def test_global_pause_means_no_new_claim_until_resumed(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    await run(operator, SET_AUTONOMY, {"p": True})
    task = await make_task(operator, tags=["python"])
    runners.append(start_runner(server, "dev", token))

    paused_beats = await asyncio.wait_for(
        wait_for_events(server, lambda s: sum(e["kind"] == "HEARTBEAT" for e in s) >= 3), 30
    )
    assert "CLAIMED" not in [e["kind"] for e in paused_beats]
    assert (await run(operator, STATUS, {"id": task["id"]}))["task"]["status"] == "READY"

    await run(operator, SET_AUTONOMY, {"p": False})
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 30
    )

    claims = [e for e in events if e["kind"] == "CLAIMED"]
    autonomy = [e["id"] for e in events if e["kind"] == "AUTONOMY_CHANGED"]
    assert [c["taskId"] for c in claims] == [task["id"]]
    assert claims[0]["id"] > max(autonomy)
    assert done_log(server) == [("dev", task["id"], "python")]


async def test_a_declined_pickup_leaves_the_runner_idle_and_asking_again(
    manual_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = manual_server
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, tags=["python"])
    runners.append(start_runner(server, "dev", token))
    await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "APPROVAL_REQUESTED"), 30
    )
    [approval] = (await run(operator, "{ approvals { id } }"))["approvals"]

    await run(
        operator,
        "mutation($id: Int!) { decideApproval(id: $id, approve: false) { status } }",
        {"id": approval["id"]},
    )
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: [e["kind"] for e in s].count("APPROVAL_REQUESTED") == 2),
        30,
    )

    kinds = kinds_for_task(events, task["id"])
    assert "APPROVAL_DECLINED" in kinds and "CLAIMED" not in kinds
    assert "approval declined" in runners[0].log()
    assert done_log(server) == []


def kinds_for_task(events: list[dict], task_id: int) -> list[str]:
    return [e["kind"] for e in events if e["taskId"] == task_id]
