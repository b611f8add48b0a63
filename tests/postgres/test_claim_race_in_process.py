"""Claims racing inside one process on PostgreSQL, where transactions really overlap.

(Over HTTP on SQLite the e2e race tests prove the answers; SQLite runs one write transaction at
a time, so only here does the conditional update and SKIP LOCKED do the work.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.errors import Conflict
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event, Task
from mission_control.services.agents import register_agent
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.databases import database_url, forget_cached_queries

pytestmark = pytest.mark.postgres


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[Context]:
    async with database_url("postgres", tmp_path) as url:
        settings = Settings(database_url=url)
        await open_database(settings)
        try:
            yield Context(settings)
        finally:
            await close_database()
            forget_cached_queries()


async def agents(ctx: Context, count: int) -> list[str]:
    names = [f"agent-{n:02d}" for n in range(count)]
    for name in names:
        await register_agent(ctx, OPERATOR, name, wip_limit=100)
    return names


async def ready_task(ctx: Context, n: int) -> int:
    draft = TaskDraft(title=f"Task {n}", description="do it", priority=n % 5 + 1)
    task = await create_task(ctx, OPERATOR, draft)
    assert task.status is TaskStatus.READY
    return task.id


async def test_twenty_agents_claiming_one_task_at_once_leave_one_holder(ctx: Context) -> None:
    names = await agents(ctx, 20)
    task_id = await ready_task(ctx, 0)

    outcomes = await asyncio.gather(
        *(claim_task(ctx, agent_actor(name), task_id) for name in names), return_exceptions=True
    )

    won = [o for o in outcomes if isinstance(o, Task)]
    assert len(won) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, Task)), outcomes
    claims = await Event.filter(task_id=task_id, kind=EventKind.CLAIMED).values_list(
        "agent_name", flat=True
    )
    row = await Task.get(id=task_id).prefetch_related("assignee")
    assert claims == [row.assignee.name] == [won[0].assignee.name]  # type: ignore[union-attr]
    assert row.version == won[0].version


async def drain(ctx: Context, name: str) -> list[int]:
    won: list[int] = []
    while (claim := await claim_next(ctx, agent_actor(name))).outcome is ClaimOutcome.CLAIMED:
        assert claim.task is not None
        won.append(claim.task.id)
    return won


async def test_fifty_agents_drain_two_hundred_tasks_with_no_claim_twice_or_lost(
    ctx: Context,
) -> None:
    names = await agents(ctx, 50)
    backlog = [await ready_task(ctx, n) for n in range(200)]

    per_agent = await asyncio.gather(*(drain(ctx, name) for name in names))

    claimed = [task_id for won in per_agent for task_id in won]
    assert sorted(claimed) == sorted(backlog)
    assert await Task.filter(status=TaskStatus.READY).count() == 0
    events = await Event.filter(kind=EventKind.CLAIMED).values_list("task_id", flat=True)
    assert sorted(events) == sorted(backlog)
