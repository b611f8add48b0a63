"""The core's concurrency guarantees, repeated on PostgreSQL (row locks, SKIP LOCKED)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from tests.postgres.board import CLAIM_NEXT, claim_until_empty, make_agents, make_backlog
from tests.support.factories import make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

CLAIM = "mutation($id: Int!) { claimTask(id: $id) { id status assignee } }"


async def test_twenty_agents_claim_the_same_task_and_exactly_one_wins(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    server = start_server()
    operator = http_client(server.graphql_url, server.operator_token)
    task = await make_task(operator)
    tokens = await make_agents(server, 20)

    async def attempt(token: str) -> str:
        try:
            answer = await run(http_client(server.graphql_url, token), CLAIM, {"id": task["id"]})
        except GraphQLFailed as error:
            return str(error.code)
        return "WON by " + answer["claimTask"]["assignee"]

    outcomes = await asyncio.gather(*(attempt(token) for token in tokens))

    winners = [outcome for outcome in outcomes if outcome.startswith("WON")]
    assert len(winners) == 1
    assert sorted(outcomes).count("CONFLICT") == 19
    row = await db.fetchrow("SELECT status, version FROM tasks WHERE id = $1", task["id"])
    assert row["status"] == TaskStatus.IN_PROGRESS
    claims = await db.fetchval(
        "SELECT count(*) FROM events WHERE task_id = $1 AND kind = $2",
        task["id"],
        EventKind.CLAIMED.value,
    )
    assert claims == 1


async def test_fifty_agents_claim_a_backlog_of_two_hundred_without_a_double_claim(
    start_server: type[ServerProcess],
) -> None:
    server = start_server()
    backlog = await make_backlog(server, 200)
    tokens = await make_agents(server, 50)

    claims = await asyncio.gather(*(claim_until_empty(server, token) for token in tokens))

    claimed = [task_id for agent_claims in claims for task_id, _ in agent_claims]
    assert len(claimed) == 200
    assert set(claimed) == set(backlog)


async def test_agents_claiming_at_once_are_never_told_nothing_is_ready_while_tasks_wait(
    start_server: type[ServerProcess],
) -> None:
    server = start_server()
    await make_backlog(server, 60)
    tokens = await make_agents(server, 20)

    async def first_claim(token: str) -> str:
        answer = await run(http_client(server.graphql_url, token), CLAIM_NEXT)
        return str(answer["claimNextTask"]["outcome"])

    for _round in range(3):  # 60 tasks, 20 agents: three rounds, each agent gets one per round
        outcomes = await asyncio.gather(*(first_claim(token) for token in tokens))
        assert outcomes == ["CLAIMED"] * 20
