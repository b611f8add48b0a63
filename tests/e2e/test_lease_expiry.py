"""A holder that stops renewing loses its claim: the task goes back to ready, with an Event."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from gql import GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run, ws_client
from tests.support.server import ServerProcess

LEASE_SECONDS = 5  # the shortest lease the settings allow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(
        workdir=tmp_path,
        database_url=f"sqlite://{tmp_path / 'mc.db'}",
        env={"MC_LEASE_SECONDS": str(LEASE_SECONDS)},
    ) as process:
        yield process


async def test_a_claim_whose_lease_runs_out_goes_back_to_ready(server: ServerProcess) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    agent = http_client(server.graphql_url, await make_agent(operator, "sleepy"))
    task = await make_task(operator)
    claimed = await run(
        agent, "mutation($id: Int!) { claimTask(id: $id) { version } }", {"id": task["id"]}
    )

    watcher = ws_client(server.ws_url, server.operator_token)
    async with watcher as session:
        request = GraphQLRequest(
            "subscription($t: Int) { events(taskId: $t, kinds: [LEASE_EXPIRED]) "
            "{ kind actor agentName fromStatus toStatus payload } }",
            variable_values={"t": task["id"]},
        )
        stream = session.subscribe(request)
        expired = (await asyncio.wait_for(anext(stream), LEASE_SECONDS * 4))["events"]
        await stream.aclose()

    assert expired["fromStatus"] == "IN_PROGRESS" and expired["toStatus"] == "READY"
    assert expired["actor"] == "lease-keeper" and expired["agentName"] == "sleepy"
    assert "lease expired" in expired["payload"]["reason"]
    after = await run(
        operator,
        "query($id: Int!) { task(id: $id) { status assignee version leaseExpiresAt } }",
        {"id": task["id"]},
    )
    assert after["task"] == {
        "status": "READY",
        "assignee": None,
        "version": claimed["claimTask"]["version"] + 1,
        "leaseExpiresAt": None,
    }
