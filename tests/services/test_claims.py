"""services/claims.py: an agent takes a ready task (first wins), holds it under a lease."""

from __future__ import annotations

import asyncio

import pytest

from mission_control.domain.agents import AgentStatus, ClaimOutcome
from mission_control.domain.errors import Conflict, Forbidden, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.services.agents import heartbeat
from mission_control.services.claims import claim_next, claim_task, expire_leases, report_progress
from mission_control.services.moves import move_task
from mission_control.services.supervision import fail_attempt
from mission_control.store.context import Context
from tests.services.conftest import LEASE_SECONDS, Clock
from tests.services.events import event_count, kinds_of, last_of
from tests.support.factories import add_agent, add_task


async def test_of_ten_agents_claiming_one_task_at_once_exactly_one_wins(ctx: Context) -> None:
    agents = [await add_agent(ctx, f"agent-{n}") for n in range(10)]
    task = await add_task(ctx)

    outcomes = await asyncio.gather(
        *(claim_task(ctx, agent, task.id) for agent in agents), return_exceptions=True
    )

    won = [o for o in outcomes if isinstance(o, Task)]
    assert len(won) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, Task)), outcomes
    row = await Task.get(id=task.id).prefetch_related("assignee")
    assert row.status is TaskStatus.IN_PROGRESS
    assert row.assignee is not None and row.assignee.name == won[0].assignee.name  # type: ignore[union-attr]
    assert (await kinds_of(task.id)).count(EventKind.CLAIMED.value) == 1


async def test_claim_next_takes_the_most_urgent_then_the_oldest(ctx: Context) -> None:
    dev = await add_agent(ctx, wip_limit=3)
    later = await add_task(ctx, "later", priority=3)
    urgent = await add_task(ctx, "urgent", priority=1)
    also_later = await add_task(ctx, "also later", priority=3)

    taken = [(await claim_next(ctx, dev)).task for _ in range(3)]

    assert [t.id for t in taken if t] == [urgent.id, later.id, also_later.id]


async def test_an_agent_at_its_wip_limit_gets_nothing_and_the_task_stays_ready(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, wip_limit=1)
    await add_task(ctx, "first")
    second = await add_task(ctx, "second")
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.CLAIMED
    before = await event_count()

    answer = await claim_next(ctx, dev)

    assert answer.outcome is ClaimOutcome.NOTHING and answer.reason
    assert "WIP" in answer.reason or "limit" in answer.reason
    assert (await Task.get(id=second.id)).status is TaskStatus.READY
    assert await event_count() == before
    with pytest.raises(Conflict):
        await claim_task(ctx, dev, second.id)


async def test_a_lease_not_renewed_expires_the_task_back_to_ready_with_an_event(
    ctx: Context, clock: Clock
) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)

    clock.advance(LEASE_SECONDS - 1)
    assert await expire_leases(ctx) == []  # not yet
    clock.advance(2)
    assert await expire_leases(ctx) == [task.id]

    row = await Task.get(id=task.id)
    assert row.status is TaskStatus.READY and row.assignee_id is None
    event = await last_of(task.id)
    assert event.kind == EventKind.LEASE_EXPIRED.value and event.agent_name == "dev"
    assert (await Agent.get(name="dev")).status is AgentStatus.OFFLINE
    assert await expire_leases(ctx) == []  # once


async def test_a_heartbeat_or_progress_report_renews_the_lease(ctx: Context, clock: Clock) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)

    clock.advance(LEASE_SECONDS - 10)
    await heartbeat(ctx, dev)
    clock.advance(LEASE_SECONDS - 10)
    await report_progress(ctx, dev, task.id, 50, "half")
    clock.advance(LEASE_SECONDS - 10)

    assert await expire_leases(ctx) == []
    row = await Task.get(id=task.id)
    assert row.status is TaskStatus.IN_PROGRESS and row.progress == 50


async def test_only_the_holder_reports_progress_and_bad_values_change_nothing(
    ctx: Context,
) -> None:
    dev, other = await add_agent(ctx, "dev"), await add_agent(ctx, "other")
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)
    version = (await Task.get(id=task.id)).version

    with pytest.raises(Forbidden):
        await report_progress(ctx, other, task.id, 40)
    with pytest.raises(ValidationFailed):
        await report_progress(ctx, dev, task.id, 101)

    row = await Task.get(id=task.id)
    assert row.progress == 0 and row.version == version


async def test_a_failed_task_is_handed_out_on_no_path_before_its_retry_backoff(
    ctx: Context, clock: Clock
) -> None:
    dev = await add_agent(ctx, "dev")
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)
    await fail_attempt(ctx, dev, task.id, "exit 1: the disk is full")
    backoff = ctx.settings.retry_backoff_seconds
    before = await event_count()

    with pytest.raises(Conflict, match="retry backoff") as by_id:
        await claim_task(ctx, dev, task.id)
    with pytest.raises(Conflict, match="retry backoff"):
        await move_task(ctx, dev, task.id, TaskStatus.IN_PROGRESS)
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.NOTHING
    assert by_id.value.details["retry_in_seconds"] == backoff
    assert await event_count() == before
    assert (await Task.get(id=task.id)).status is TaskStatus.READY

    clock.advance(backoff)
    assert (await claim_task(ctx, dev, task.id)).status is TaskStatus.IN_PROGRESS
