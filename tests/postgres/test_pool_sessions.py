"""Pool connections go back to the pool without asyncpg's reset query (bus/postgres.py,
`PooledConnection`): right only while no work leaves session state on a pool connection.

The paths that touch locks and sessions run on a fresh database (a dependency, with its
transaction advisory lock; a claim; a submit), then every pool connection is asked what it
still holds: no advisory lock, no LISTEN, no setting made in the session.
"""

from __future__ import annotations

import contextlib

import asyncpg
import pytest
from tortoise import connections

from mission_control.bus.postgres import PooledConnection
from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ClaimOutcome
from mission_control.services.agents import register_agent
from mission_control.services.auth import authenticate
from mission_control.services.claims import claim_next, submit_for_review
from mission_control.services.dependencies import add_dependency
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context

pytestmark = pytest.mark.postgres


async def session_state(conn: asyncpg.Connection) -> dict[str, object]:
    return {
        "advisory locks": await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ),
        "listening": await conn.fetchval("SELECT count(*) FROM pg_listening_channels()"),
        # asyncpg sets `jit` off and back around its type introspection: a session source,
        # the same value; what counts is a value changed from the connection's own.
        "session settings": [
            row["name"]
            for row in await conn.fetch(
                "SELECT name FROM pg_settings"
                " WHERE source = 'session' AND setting IS DISTINCT FROM reset_val"
            )
        ],
        "in transaction": conn.is_in_transaction(),
    }


async def test_pool_connections_come_back_without_session_state(database: str) -> None:
    ctx = Context(Settings(database_url=database))
    _, token = await register_agent(ctx, OPERATOR, "dev", [], 10)
    first = await create_task(ctx, OPERATOR, TaskDraft(title="A", description="x", priority=1))
    then = await create_task(ctx, OPERATOR, TaskDraft(title="B", description="x", priority=2))
    await add_dependency(ctx, OPERATOR, then.id, first.id)
    agent = await authenticate(ctx, token)
    answer = await claim_next(ctx, agent)
    assert answer.outcome is ClaimOutcome.CLAIMED and answer.task is not None
    await submit_for_review(ctx, agent, answer.task.id, result="done")

    pool = connections.get("default")._pool  # type: ignore[attr-defined]
    opened = sum(1 for holder in pool._holders if holder._con is not None)
    assert opened >= 1
    async with contextlib.AsyncExitStack() as stack:  # every open connection at once
        held = [await stack.enter_async_context(pool.acquire()) for _ in range(opened)]
        for conn in held:
            assert isinstance(conn._con, PooledConnection)
            assert conn.get_reset_query() == ""  # no round trip on release
            assert await session_state(conn) == {
                "advisory locks": 0,
                "listening": 0,
                "session settings": [],
                "in transaction": False,
            }
