"""The server side of the autonomous loop: routing, presence, leases, cancelling, activity."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run, ws_client
from tests.support.loop import (
    agent_of,
    claim_next,
    events_of,
    heartbeat,
    last_event_id,
    task_of,
)
from tests.support.server import ServerProcess

Clients = Callable[[str | None], Client]


def started(tmp_path: Path, **env: str) -> ServerProcess:
    return ServerProcess(
        workdir=tmp_path, database_url=f"sqlite://{tmp_path / 'mc.db'}", env=env
    ).start()


@pytest.fixture
def routed(tmp_path: Path) -> Iterator[ServerProcess]:
    server = started(tmp_path, MC_SKILL_KEYWORDS=json.dumps({"postgres": "sql"}))
    try:
        yield server
    finally:
        server.stop()


async def test_a_ready_task_is_routed_to_the_fitting_agent_with_the_least_load(
    routed: ServerProcess,
) -> None:
    operator = http_client(routed.graphql_url, routed.operator_token)
    agents = {}
    for name, skills in [
        ("dev", ["python"]),
        ("dev2", ["python"]),
        ("web", ["css"]),
        ("dba", ["sql"]),
    ]:
        agents[name] = http_client(routed.graphql_url, await make_agent(operator, name, skills))
        await heartbeat(agents[name])

    first = await make_task(operator, title="api one", tags=["python"])
    second = await make_task(operator, title="api two", tags=["python"])
    third = await make_task(operator, title="api three", tags=["python"])
    styled = await make_task(operator, title="restyle", tags=["css"])
    query = await make_task(operator, title="Tune the Postgres index", tags=[])
    assert first["assignee"] == "dev"  # tie on score: the first name
    assert second["assignee"] == "dev2"  # dev is full now (load 100 >= 80)
    assert third["assignee"] is None  # every python agent is full: open to any that fits
    assert styled["assignee"] == "web"
    assert query["assignee"] == "dba"  # the keyword map: postgres -> sql
    events = await events_of(routed, 4, since=0, kinds=["ASSIGNED"])
    assert {(e["actor"], e["taskId"], e["agentName"]) for e in events} == {
        ("router", first["id"], "dev"),
        ("router", second["id"], "dev2"),
        ("router", styled["id"], "web"),
        ("router", query["id"], "dba"),
    }
    loads = {
        a["name"]: a["currentLoad"]
        for a in (await run(operator, "{ agents { name currentLoad } }"))["agents"]
    }
    assert loads == {"dba": 100, "dev": 100, "dev2": 100, "web": 100}

    got = await claim_next(agents["dev2"])
    assert got["task"]["id"] == second["id"]  # its own assignment first
    assert (await claim_next(agents["web"]))["task"]["id"] == styled["id"]
    assert (await claim_next(agents["web"]))["outcome"] == "NOTHING"  # at its WIP limit anyway
    web_free = await run(
        operator, 'mutation { registerAgent(name: "web2", skills: ["css"]) { token } }'
    )
    web2 = http_client(routed.graphql_url, web_free["registerAgent"]["token"])
    nothing = await claim_next(web2)  # python and sql tasks are left: none is for a css agent
    assert nothing["outcome"] == "NOTHING"

    reassigned = await run(
        operator,
        'mutation($id: Int!) { assignTask(id: $id, agent: "dev2") { assignee } }',
        {"id": third["id"]},
    )
    assert reassigned["assignTask"]["assignee"] == "dev2"  # the operator overrides the router


async def test_an_agent_silent_for_too_long_is_shown_offline(tmp_path: Path) -> None:
    server = started(tmp_path, MC_OFFLINE_AFTER_SECONDS="5")
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        dev = http_client(server.graphql_url, await make_agent(operator, "dev"))
        beat = await heartbeat(dev, note="warming up")
        assert beat == {"name": "dev", "status": "IDLE", "tokenBudget": None, "note": "warming up"}
        assert (await agent_of(operator, "dev"))["status"] == "IDLE"
        deadline = time.monotonic() + 20
        while (await agent_of(operator, "dev"))["status"] != "OFFLINE":
            assert time.monotonic() < deadline, "dev never showed offline"
            await asyncio.sleep(0.5)
        assert (await heartbeat(dev))["status"] == "IDLE"
        assert (await agent_of(operator, "dev"))["status"] == "IDLE"
    finally:
        server.stop()


async def test_an_expired_lease_requeues_the_task_and_another_agent_takes_it(
    tmp_path: Path,
) -> None:
    server = started(tmp_path, MC_LEASE_SECONDS="5")
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        dev = http_client(server.graphql_url, await make_agent(operator, "dev"))
        ops = http_client(server.graphql_url, await make_agent(operator, "ops"))
        task = await make_task(operator)
        assert (await claim_next(dev))["outcome"] == "CLAIMED"
        lease = (await task_of(operator, task["id"]))["leaseExpiresAt"]
        await asyncio.sleep(1.1)  # so the renewed lease is visibly later
        await heartbeat(dev)
        renewed = (await task_of(operator, task["id"]))["leaseExpiresAt"]
        assert renewed > lease

        (expired,) = await events_of(server, 1, since=0, kinds=["LEASE_EXPIRED"])
        assert expired["taskId"] == task["id"] and expired["actor"] == "lease-keeper"
        back = await task_of(operator, task["id"])
        assert (back["status"], back["assignee"]) == ("READY", None)
        assert (await agent_of(operator, "dev"))["status"] == "OFFLINE"
        taken = await claim_next(ops)
        assert taken["outcome"] == "CLAIMED" and taken["task"]["id"] == task["id"]
    finally:
        server.stop()


async def test_cancelling_an_agents_work_puts_its_task_back_and_tells_it(
    server: ServerProcess, operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    task = await make_task(operator)
    await claim_next(dev)
    since = await last_event_id(operator)
    cancelled = await run(
        operator,
        'mutation { cancelAgentWork(name: "dev", reason: "wrong approach") '
        "{ id status assignee } }",
    )
    assert cancelled["cancelAgentWork"] == {"id": task["id"], "status": "READY", "assignee": None}
    (told,) = await events_of(server, 1, since=since, agent="dev", kinds=["RELEASED"])
    assert told["payload"]["reason"] == "wrong approach" and told["taskId"] == task["id"]
    assert (await agent_of(operator, "dev"))["status"] == "IDLE"
    again = await run(operator, 'mutation { cancelAgentWork(name: "dev") { id } }')
    assert again["cancelAgentWork"] is None


ACTIVITY = """
subscription($agent: String, $since: Int) {
  agentActivity(agent: $agent, since: $since) { type agent progress reason eventId task { id } }
}
"""


async def activity_of(server: ServerProcess, count: int, **variables: Any) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    async with ws_client(server.ws_url, server.operator_token) as session:
        request = GraphQLRequest(ACTIVITY, variable_values=variables)
        async for result in session.subscribe(request):
            received.append(result["agentActivity"])
            if len(received) == count:
                break
    return received


async def test_agent_activity_streams_the_seeds_messages_for_one_agent(
    server: ServerProcess, operator: Client, client_for: Clients
) -> None:
    dev = client_for(await make_agent(operator, "dev"))
    ops = client_for(await make_agent(operator, "ops"))
    since = await last_event_id(operator)
    task = await make_task(operator)
    other = await make_task(operator, title="other")
    await heartbeat(dev)
    await heartbeat(ops)
    claimed = await claim_next(dev)
    assert claimed["task"]["id"] == task["id"]
    await claim_next(ops)
    await run(
        operator,
        "mutation($id: Int!) { reportProgress(id: $id, progress: 40) { id } }",
        {"id": task["id"]},
    )
    await run(
        ops,
        'mutation($id: Int!) { blockTask(id: $id, reason: "no key") { id } }',
        {"id": other["id"]},
    )
    await run(
        dev,
        'mutation($id: Int!) { blockTask(id: $id, reason: "needs a key") { id } }',
        {"id": task["id"]},
    )

    messages = await asyncio.wait_for(activity_of(server, 4, agent="dev", since=since), 20)
    assert [(m["type"], m["agent"]) for m in messages] == [
        ("HEARTBEAT", "dev"),
        ("TASK_STARTED", "dev"),
        ("TASK_PROGRESS", "dev"),
        ("TASK_BLOCKED", "dev"),
    ]
    assert messages[2]["progress"] == 40 and messages[2]["task"] == {"id": task["id"]}
    assert messages[3]["reason"] == "needs a key"
    assert messages[0]["task"] is None  # dev held nothing when it sent that heartbeat
    ids = [m["eventId"] for m in messages]
    assert ids == sorted(ids)
