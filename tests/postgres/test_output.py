"""An agent's output tail with two server processes on one PostgreSQL: reports through either
process land in the one tail on the agent's row, none lost when they overlap, and the log keeps
one OUTPUT Event."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

REPORT = (
    "mutation($id: Int!, $chunk: String!) { reportOutput(taskId: $id, chunk: $chunk) { lines } }"
)
TAIL = '{ agent(name: "dev") { outputTail } }'


async def test_reports_through_two_processes_share_one_tail_and_one_event(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    first, second = start_server(), start_server()
    operator = http_client(first.graphql_url, first.operator_token)
    token = await make_agent(operator, "dev")
    task = await make_task(operator, title="Build")
    agents = [http_client(server.graphql_url, token) for server in (first, second)]
    await run(agents[0], "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})

    for n in range(6):  # in turn: each process appends to what the other wrote
        await run(agents[n % 2], REPORT, {"id": task["id"], "chunk": f"step {n}"})
    tails = [
        (await run(http_client(s.graphql_url, s.operator_token), TAIL)) for s in (first, second)
    ]
    assert tails[0] == tails[1]
    assert tails[0]["agent"]["outputTail"].split("\n") == [f"step {n}" for n in range(6)]

    await asyncio.gather(  # at once: the lock on the agent's row keeps every line
        *(
            run(
                http_client((first, second)[n % 2].graphql_url, token),
                REPORT,
                {"id": task["id"], "chunk": f"burst {n}"},
            )
            for n in range(20)
        )
    )
    lines = (await run(operator, TAIL))["agent"]["outputTail"].split("\n")
    assert sorted(lines) == sorted(
        [f"step {n}" for n in range(6)] + [f"burst {n}" for n in range(20)]
    )
    assert await db.fetchval("SELECT count(*) FROM events WHERE kind = 'output'") == 1
