"""The operator stays in control: manual mode, pauses, WIP limits and the token floor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.loop import (
    agent_of,
    claim,
    claim_next,
    events_of,
    heartbeat,
    last_event_id,
    set_autonomy,
    task_of,
)
from tests.support.server import ServerProcess

DECIDE = (
    "mutation($id: Int!, $approve: Boolean!, $reason: String) "
    "{ decideApproval(id: $id, approve: $approve, reason: $reason) "
    "{ id status decidedBy agent task { id status assignee } } }"
)
APPROVALS = (
    "query($status: ApprovalStatus) { approvals(status: $status) { id taskId agent status } }"
)

Clients = Callable[[str | None], Client]


async def refused(coro: object) -> str | None:
    try:
        await coro  # type: ignore[misc]
    except GraphQLFailed as error:
        return str(error.code)
    return None


async def test_in_manual_mode_a_pickup_waits_until_the_operator_grants_it(
    server: ServerProcess, operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev", ["python"]))
    ops = client_for(await make_agent(operator, "ops", ["python"]))
    await set_autonomy(operator, mode="MANUAL")
    task = await make_task(operator, tags=["python"])

    asked = await claim_next(dev)
    assert asked["outcome"] == "AWAITING_APPROVAL"
    assert asked["task"] == {"id": task["id"], "status": "READY", "assignee": None}
    assert (await agent_of(operator, "dev"))["status"] == "WAITING"
    assert (await claim_next(dev))["approvalId"] == asked["approvalId"]  # asking again: same wait
    pending = (await run(operator, APPROVALS, {"status": "PENDING"}))["approvals"]
    assert pending == [
        {"id": asked["approvalId"], "taskId": task["id"], "agent": "dev", "status": "PENDING"}
    ]
    assert (await claim_next(ops))["outcome"] == "NOTHING"  # reserved for dev
    assert await refused(claim(ops, task["id"])) == "CONFLICT"
    assert (await task_of(operator, task["id"]))["status"] == "READY"

    since = await last_event_id(operator)
    granted = await run(operator, DECIDE, {"id": asked["approvalId"], "approve": True})
    assert granted["decideApproval"]["status"] == "GRANTED"
    assert granted["decideApproval"]["task"] == {
        "id": task["id"],
        "status": "IN_PROGRESS",
        "assignee": "dev",
    }
    events = await events_of(
        server, 2, since=since, agent="dev", kinds=["APPROVAL_GRANTED", "CLAIMED"]
    )
    assert [(e["kind"], e["agentName"], e["taskId"]) for e in events] == [
        ("APPROVAL_GRANTED", "dev", task["id"]),
        ("CLAIMED", "dev", task["id"]),
    ]
    assert (await agent_of(operator, "dev"))["status"] == "WORKING"
    assert await refused(run(operator, DECIDE, {"id": asked["approvalId"], "approve": True})) == (
        "CONFLICT"
    )


async def test_a_declined_task_returns_to_the_pool_and_skips_that_agent_until_its_heartbeat(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev", ["python"]))
    ops = client_for(await make_agent(operator, "ops", ["python"]))
    await set_autonomy(operator, mode="MANUAL")
    task = await make_task(operator, tags=["python"])
    asked = await claim_next(dev)

    declined = await run(
        operator, DECIDE, {"id": asked["approvalId"], "approve": False, "reason": "not now"}
    )
    assert declined["decideApproval"]["status"] == "DECLINED"
    assert (await task_of(operator, task["id"]))["status"] == "READY"
    assert (await run(operator, APPROVALS, {"status": "PENDING"}))["approvals"] == []
    assert (await claim_next(dev))["outcome"] == "NOTHING"  # not offered again this heartbeat
    assert await refused(claim(dev, task["id"])) == "CONFLICT"

    await heartbeat(dev)
    again = await claim_next(dev)
    assert again["outcome"] == "AWAITING_APPROVAL" and again["task"]["id"] == task["id"]
    assert again["approvalId"] != asked["approvalId"]
    assert (await claim_next(ops))["outcome"] == "NOTHING"


async def test_a_trivial_task_goes_straight_through_in_manual_mode(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev", ["python"]))
    await set_autonomy(operator, mode="MANUAL")
    task = await make_task(operator, tags=["python", "trivial"])
    claimed = await claim_next(dev)
    assert claimed["outcome"] == "CLAIMED" and claimed["task"]["id"] == task["id"]


async def test_an_unanswered_request_expires_and_frees_the_task(tmp_path: Path) -> None:
    server = ServerProcess(
        workdir=tmp_path,
        database_url=f"sqlite://{tmp_path / 'mc.db'}",
        env={"MC_APPROVAL_TIMEOUT_SECONDS": "5", "MC_AUTONOMY": "manual"},
    ).start()
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        assert (await run(operator, "{ autonomy { mode paused } }"))["autonomy"] == {
            "mode": "MANUAL",
            "paused": False,
        }
        dev = http_client(server.graphql_url, await make_agent(operator, "dev"))
        task = await make_task(operator)
        asked = await claim_next(dev)
        assert asked["outcome"] == "AWAITING_APPROVAL"
        (expired,) = await events_of(server, 1, since=0, kinds=["APPROVAL_EXPIRED"])
        assert expired["taskId"] == task["id"] and expired["agentName"] == "dev"
        listed = (await run(operator, APPROVALS, {"status": "EXPIRED"}))["approvals"]
        assert [a["id"] for a in listed] == [asked["approvalId"]]
        assert (await agent_of(operator, "dev"))["status"] != "WAITING"
        assert (await task_of(operator, task["id"]))["status"] == "READY"
    finally:
        server.stop()


async def test_global_pause_hands_out_no_claim_until_resumed(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    task = await make_task(operator)
    assert await set_autonomy(operator, paused=True) == {"paused": True, "mode": "AUTO"}

    nothing = await claim_next(dev)
    assert nothing["outcome"] == "NOTHING" and "paused" in nothing["reason"]
    assert await refused(claim(dev, task["id"])) == "PAUSED"
    assert (await task_of(operator, task["id"]))["status"] == "READY"

    await set_autonomy(operator, paused=False)
    assert (await claim_next(dev))["outcome"] == "CLAIMED"


async def test_a_paused_agent_gets_nothing_while_others_still_work(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    ops = client_for(await make_agent(operator, "ops"))
    first, _second = await make_task(operator, title="one"), await make_task(operator, title="two")
    paused = await run(operator, 'mutation { pauseAgent(name: "dev") { name paused } }')
    assert paused["pauseAgent"] == {"name": "dev", "paused": True}

    nothing = await claim_next(dev)
    assert nothing["outcome"] == "NOTHING" and "paused" in nothing["reason"]
    assert await refused(claim(dev, first["id"])) == "PAUSED"
    assert (await claim_next(ops))["outcome"] == "CLAIMED"

    await run(operator, 'mutation { resumeAgent(name: "dev") { paused } }')
    assert (await claim_next(dev))["outcome"] == "CLAIMED"


async def test_an_agent_at_its_wip_limit_gets_no_new_task(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    await make_task(operator, title="one")
    second = await make_task(operator, title="two")
    assert (await claim_next(dev))["outcome"] == "CLAIMED"

    full = await claim_next(dev)
    assert full["outcome"] == "NOTHING" and "WIP limit" in full["reason"]
    assert await refused(claim(dev, second["id"])) == "CONFLICT"
    assert (await task_of(operator, second["id"]))["status"] == "READY"

    registered = await run(
        operator, 'mutation { registerAgent(name: "big", wipLimit: 2) { token } }'
    )
    big = client_for(registered["registerAgent"]["token"])
    await make_task(operator, title="three")
    outcomes = [(await claim_next(big))["outcome"] for _ in range(3)]
    assert outcomes == ["CLAIMED", "CLAIMED", "NOTHING"]


async def test_an_agent_under_the_token_floor_gets_nothing_until_it_reports_more(
    tmp_path: Path,
) -> None:
    server = ServerProcess(
        workdir=tmp_path,
        database_url=f"sqlite://{tmp_path / 'mc.db'}",
        env={"MC_TOKEN_BUDGET_FLOOR": "1000"},
    ).start()
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        dev = http_client(server.graphql_url, await make_agent(operator, "dev"))
        await make_task(operator)
        assert (await heartbeat(dev, tokenBudget=10))["tokenBudget"] == 10
        low = await claim_next(dev)
        assert low["outcome"] == "NOTHING" and "budget" in low["reason"]
        await heartbeat(dev, tokenBudget=5000)
        assert (await claim_next(dev))["outcome"] == "CLAIMED"
    finally:
        server.stop()


async def test_bad_autonomy_input_is_refused_and_changes_nothing(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    assert await refused(run(operator, "mutation { setAutonomy(mode: SOMETIMES) { mode } }")) == (
        "BAD_QUERY"
    )
    assert await refused(heartbeat(dev, tokenBudget=-1)) == "VALIDATION"
    assert await refused(run(operator, DECIDE, {"id": 999, "approve": True})) == "NOT_FOUND"
    assert await refused(run(operator, 'mutation { pauseAgent(name: "ghost") { name } }')) == (
        "NOT_FOUND"
    )
    assert (await run(operator, "{ autonomy { mode paused } }"))["autonomy"] == {
        "mode": "AUTO",
        "paused": False,
    }
    assert (await agent_of(operator, "dev"))["paused"] is False


async def test_a_request_for_a_task_the_operator_cancelled_is_closed_on_the_next_ask(
    operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    await set_autonomy(operator, mode="MANUAL")
    task = await make_task(operator)
    asked = await claim_next(dev)
    await run(operator, "mutation($id: Int!) { cancelTask(id: $id) { id } }", {"id": task["id"]})

    assert (await claim_next(dev))["outcome"] == "NOTHING"
    closed = (await run(operator, APPROVALS, {"status": "EXPIRED"}))["approvals"]
    assert [a["id"] for a in closed] == [asked["approvalId"]]
    assert (await agent_of(operator, "dev"))["status"] == "IDLE"


async def test_agents_asking_at_once_in_manual_mode_reserve_a_task_only_once(
    operator: Client, client_for: Clients
) -> None:
    agents = [client_for(await make_agent(operator, f"a{i}")) for i in range(5)]
    await set_autonomy(operator, mode="MANUAL")
    task = await make_task(operator)

    answers = await asyncio.gather(*(claim_next(agent) for agent in agents))
    outcomes = sorted(answer["outcome"] for answer in answers)
    assert outcomes == ["AWAITING_APPROVAL"] + ["NOTHING"] * 4
    pending = (await run(operator, APPROVALS, {"status": "PENDING"}))["approvals"]
    assert [a["taskId"] for a in pending] == [task["id"]]
