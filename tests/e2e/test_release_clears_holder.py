"""Letting go of a task (by the holder or by lease expiry) clears its assignee in the row."""

from __future__ import annotations

from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess


async def test_an_agent_that_releases_its_task_leaves_it_ready_and_unassigned(
    server: ServerProcess, operator: Client
) -> None:
    task = await make_task(operator)
    agent = http_client(server.graphql_url, await make_agent(operator, "quitter"))
    await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})

    released = await run(
        agent,
        'mutation($id: Int!) { releaseTask(id: $id, reason: "stuck") { status assignee } }',
        {"id": task["id"]},
    )

    assert released["releaseTask"] == {"status": "READY", "assignee": None}
    shown = await run(
        operator, "query($id: Int!) { task(id: $id) { status assignee } }", {"id": task["id"]}
    )
    assert shown["task"] == {"status": "READY", "assignee": None}
