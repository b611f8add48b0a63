"""What the server knows about its agents right now: who is silent, how full each one is."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.pickup import is_available
from mission_control.domain.routing import Candidate, load_percent
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.settings import Settings
from mission_control.store.usage import BOARD, paused_scopes


async def _counts(query: object, key: str) -> dict[int, int]:
    rows = await query.annotate(n=Count("id")).group_by(key).values(key, "n")  # type: ignore[attr-defined]
    return {int(row[key]): int(row["n"]) for row in rows if row[key] is not None}


async def held_counts(conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """Tasks in progress per agent id."""
    return await _counts(Task.filter(status=TaskStatus.IN_PROGRESS).using_db(conn), "assignee_id")


async def taken_counts(conn: BaseDBAsyncClient | None = None) -> dict[int, int]:
    """Per agent id: distinct tasks it holds or is assigned (ready) or has reserved."""
    taken: dict[int, set[int]] = {}
    assigned = await (
        Task.filter(status__in=[TaskStatus.READY, TaskStatus.IN_PROGRESS])
        .filter(assignee_id__isnull=False)
        .using_db(conn)
        .values_list("id", "assignee_id")
    )
    reserved = await (
        Approval.filter(status=ApprovalStatus.PENDING)
        .using_db(conn)
        .values_list("task_id", "agent_id")
    )
    for task_id, agent_id in [*assigned, *reserved]:
        taken.setdefault(int(agent_id), set()).add(int(task_id))
    return {agent_id: len(tasks) for agent_id, tasks in taken.items()}


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
