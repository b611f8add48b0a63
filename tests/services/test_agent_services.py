"""The agent services on both databases in one process: reservations racing on PostgreSQL,
routing, presence with a moved clock, approvals expiring, leases renewed and work cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import AgentStatus, ApprovalStatus, ClaimOutcome
from mission_control.domain.control import AutonomyMode
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services import agents as agent_services
from mission_control.services.approvals import decide_approval, expire_approvals, list_approvals
from mission_control.services.claims import claim_next
from mission_control.services.control import Autonomy, get_autonomy, set_autonomy
from mission_control.services.routing import route_ready_tasks
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.support.databases import database_url, forget_cached_queries


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)


@pytest.fixture
async def ctx(kind: str, tmp_path: Path) -> AsyncIterator[Context]:
    async with database_url(kind, tmp_path) as url:
        settings = Settings(
            database_url=url,
            lease_seconds=60,
            offline_after_seconds=120,
            approval_timeout_seconds=30,
        )
        await open_database(settings)
        try:
            yield Context(settings, clock=Clock())
        finally:
            await close_database()
            forget_cached_queries()


def clock_of(ctx: Context) -> Clock:
    assert isinstance(ctx.clock, Clock)
    return ctx.clock


async def ready(ctx: Context, title: str, tags: tuple[str, ...] = ()) -> Task:
    draft = TaskDraft(title=title, description="do it", priority=3, tags=tags)
    return await create_task(ctx, OPERATOR, draft)


async def test_many_agents_asking_at_once_in_manual_mode_reserve_each_task_once(
    ctx: Context,
) -> None:
    names = [f"a{n}" for n in range(10)]
    for name in names:
        await agent_services.register_agent(ctx, OPERATOR, name)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    tasks = [await ready(ctx, f"t{n}") for n in range(3)]

    answers = await asyncio.gather(*(claim_next(ctx, agent_actor(n)) for n in names))

    # Under contention an agent may get NOTHING (the rows it wanted were locked by a claim in
    # flight: SKIP LOCKED) and asks again next heartbeat; what must never happen is a task
    # reserved twice, or a reservation nobody was told about.
    waiting = sorted(
        a.task.id for a in answers if a.outcome is ClaimOutcome.AWAITING_APPROVAL and a.task
    )
    assert waiting and len(waiting) == len(set(waiting))
    assert set(waiting) <= {t.id for t in tasks}
    assert sorted(p.task_id for p in await list_approvals()) == waiting
    for name in names:  # asking again, everything left is reserved once
        await claim_next(ctx, agent_actor(name))
    assert sorted(p.task_id for p in await list_approvals()) == [t.id for t in tasks]


async def test_routing_follows_skills_and_load_and_reroutes_from_an_offline_agent(
    ctx: Context,
) -> None:
    for name in ("dev", "dev2"):
        await agent_services.register_agent(ctx, OPERATOR, name, ["python"])
        await agent_services.heartbeat(ctx, agent_actor(name))
    first = await ready(ctx, "one", ("python",))
    assert first.assignee == "dev"

    clock_of(ctx).advance(100)
    await agent_services.heartbeat(ctx, agent_actor("dev2"))  # dev stays silent
    clock_of(ctx).advance(30)
    shown = {a.name: a.status for a in await agent_services.list_agents(ctx)}
    assert shown == {"dev": AgentStatus.OFFLINE, "dev2": AgentStatus.IDLE}

    assert await route_ready_tasks(ctx) == 1
    moved = await Task.get(id=first.id).prefetch_related("assignee")
    assert moved.assignee is not None and moved.assignee.name == "dev2"
    assert await route_ready_tasks(ctx) == 0  # nothing left to route: no new Event


async def test_an_unanswered_request_expires_and_a_granted_one_claims(ctx: Context) -> None:
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    await agent_services.register_agent(ctx, OPERATOR, "ops")
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    assert await get_autonomy(ctx) == Autonomy(paused=False, mode=AutonomyMode.MANUAL)
    task = await ready(ctx, "one")
    asked = await claim_next(ctx, agent_actor("dev"))
    assert asked.approval_id is not None

    clock_of(ctx).advance(31)
    assert await expire_approvals(ctx) == 1
    assert [a.status for a in await list_approvals(None)] == [ApprovalStatus.EXPIRED]

    again = await claim_next(ctx, agent_actor("ops"))
    assert again.approval_id is not None and again.task is not None and again.task.id == task.id
    granted = await decide_approval(ctx, OPERATOR, again.approval_id, approve=True)
    assert granted.status is ApprovalStatus.GRANTED
    row = await Task.get(id=task.id).prefetch_related("assignee")
    assert row.status is TaskStatus.IN_PROGRESS and row.assignee.name == "ops"  # type: ignore[union-attr]


async def test_heartbeat_renews_the_lease_and_cancelling_work_releases_the_task(
    ctx: Context,
) -> None:
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    task = await ready(ctx, "one")
    await claim_next(ctx, agent_actor("dev"))
    before = (await Task.get(id=task.id)).lease_expires_at
    clock_of(ctx).advance(40)
    beat = await agent_services.heartbeat(ctx, agent_actor("dev"), token_budget=500)
    assert beat.status is AgentStatus.WORKING and beat.token_budget == 500
    after = (await Task.get(id=task.id)).lease_expires_at
    assert before is not None and after is not None and after - before == timedelta(seconds=40)

    released = await agent_services.cancel_agent_work(ctx, OPERATOR, "dev", "stop")
    assert released is not None and released.status is TaskStatus.READY
    assert (await agent_services.get_agent("dev", ctx)).status is AgentStatus.IDLE
