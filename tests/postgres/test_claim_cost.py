"""A claim costs the same few statements with a long backlog as with a short one, on
PostgreSQL: in-process services on a fresh database, the statements counted from Tortoise's
log while one agent claims, with 10 and then 2,000 ready tasks on the board."""

from __future__ import annotations

import asyncpg
import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ClaimOutcome
from mission_control.services.agents import register_agent
from mission_control.services.auth import authenticate
from mission_control.services.claims import claim_next
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.inprocess import StatementLog

pytestmark = pytest.mark.postgres

# store/claims.py: lock the agent; its pickup facts (autonomy, held and assigned-ready counts,
# budgets, approvals in play: one statement, after the lock so they count a claim it waited
# for); the candidate (FOR UPDATE SKIP LOCKED); the claim's UPDATE ... RETURNING; then the
# Event (store/journal.py). Was 20 (22 with the credential and its agent read on every
# request), then 9 with the facts read by the ORM, 6 with them in one statement and 5 without
# the Event-order lock (issue 13).
CLAIM_STATEMENTS = 5

FILL = """
INSERT INTO tasks (title, description, priority, tag_text, status, progress, version,
                   created_at, updated_at, status_changed_at)
SELECT 'Filler ' || n, 'x', n % 5 + 1, ' ', 'ready', 0, 1, now(), now(), now()
FROM generate_series(1, $1::int) AS n
"""


async def statements_of_claims(url: str, ready: int) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE tasks SET status = 'done'")
        await conn.execute(FILL, ready)
        await conn.execute("ANALYZE tasks")
    finally:
        await conn.close()
    ctx = Context(Settings(database_url=url))
    _, token = await register_agent(ctx, OPERATOR, f"dev{ready}", [], 10)
    await authenticate(ctx, token)
    counts = []
    for _ in range(3):
        with StatementLog().recording() as statements:
            actor = await authenticate(ctx, token)  # from this process's cache
            answer = await claim_next(ctx, actor)
        assert answer.outcome is ClaimOutcome.CLAIMED
        counts.append(len(statements))
    return counts


async def test_a_claim_costs_the_same_few_statements_with_2000_ready_tasks_as_with_10(
    database: str,
) -> None:
    assert await statements_of_claims(database, 10) == [CLAIM_STATEMENTS] * 3
    assert await statements_of_claims(database, 2000) == [CLAIM_STATEMENTS] * 3
