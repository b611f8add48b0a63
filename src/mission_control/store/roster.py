"""What the server knows about its agents right now: who is silent, how full each one is."""

from __future__ import annotations

from datetime import datetime

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from mission_control.domain.pickup import is_available
from mission_control.domain.routing import Candidate, load_percent
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.settings import Settings
from mission_control.store.usage import BOARD, paused_scopes


async def _counts(query: object, key: str) -> dict[int, int]:
    rows = await query.annotate(n=Count("id")).group_by(key).values(key, "n")  # type: ignore[attr-defined]
    return {int(row[key]): int(row["n"]) for row in rows if row[key] is not None}


async def held_counts(conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """Tasks in progress per agent id."""
    return await _counts(Task.filter(status=TaskStatus.IN_PROGRESS).using_db(conn), "assignee_id")


# Per agent id: the distinct tasks it holds, is assigned (ready) or has reserved (a pending
# approval). Counted by the database, so routing reads one row per agent, not one per task:
# a createTask costs the same with 50 or 50,000 tasks on the board (issue 13).
TAKEN_COUNTS = """
SELECT agent_id, COUNT(*) AS n FROM (
    SELECT assignee_id AS agent_id, id AS task_id FROM tasks
    WHERE status IN ('ready', 'in_progress') AND assignee_id IS NOT NULL
    UNION
    SELECT agent_id, task_id FROM approvals WHERE status = 'pending'
) AS taken
GROUP BY agent_id"""


async def taken_counts(conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """Per agent id: distinct tasks it holds or is assigned (ready) or has reserved."""
    rows = await (conn or connections.get("default")).execute_query_dict(TAKEN_COUNTS)
    return {int(row["agent_id"]): int(row["n"]) for row in rows}


async def candidates(
    settings: Settings, now: datetime, conn: BaseDBAsyncClient | None = None
) -> list[Candidate]:
    """Every agent as routing sees it."""
    taken = await taken_counts(conn)
    spent = await paused_scopes(day_of(now), conn)  # budgets used up today ("*": the board's)
    return [
        Candidate(
            name=agent.name,
            skills=frozenset(agent.skills or ()),
            load=load_percent(taken.get(agent.id, 0), agent.wip_limit),
            available=is_available(
                agent, now, settings.offline_after_seconds, settings.token_budget_floor
            )
            and not {agent.name, BOARD} & spent,  # budgets used up today
        )
        for agent in await Agent.all().using_db(conn)
    ]
