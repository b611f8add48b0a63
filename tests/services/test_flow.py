"""The flow figures (services/flow.py) on both databases, with a clock moved by hand across days."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import AgentStatus
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.workflow import TaskStatus
from mission_control.services import agents as agent_services
from mission_control.services import flow
from mission_control.services.claims import claim_task, expire_leases
from mission_control.services.moves import approve_task, submit_for_review
from mission_control.services.supervision import fail_attempt
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.store.context import Context
from mission_control.store.queries import board
from tests.support.service_context import START, clock_of, open_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)


@pytest.fixture
async def ctx(kind: str, tmp_path: Path) -> AsyncIterator[Context]:
    async for context in open_ctx(kind, tmp_path, lease_seconds=600):
        yield context


async def finish(ctx: Context, agent: str, tags: list[str], hours: float) -> int:
    """A ready task claimed by `agent`, submitted and approved `hours` later."""
    task = await create_task(ctx, OPERATOR, TaskDraft(f"job {agent}", "do it", 2, tags=tags))
    await claim_task(ctx, agent_actor(agent), task.id)
    clock_of(ctx).advance(hours=hours)
    await agent_services.heartbeat(ctx, agent_actor(agent))
    await submit_for_review(ctx, agent_actor(agent), task.id, "done")
    await approve_task(ctx, OPERATOR, task.id)
    return task.id


async def test_cumulative_flow_throughput_and_cycle_times_over_three_days(ctx: Context) -> None:
    clock = clock_of(ctx)
    await agent_services.register_agent(ctx, OPERATOR, "dev", skills=["api"])
    await agent_services.register_agent(ctx, OPERATOR, "ops", skills=["api", "ui"])
    clock.now = START - timedelta(days=2)  # day 0: two tasks in, one done by dev in 2 hours
    await create_task(ctx, OPERATOR, TaskDraft("waits", "", None))  # incomplete: intake
    await finish(ctx, "dev", ["api"], hours=2)
    clock.now = START - timedelta(days=1)  # day 1: ops finishes one in 4 hours, one stays ready
    await finish(ctx, "ops", ["api", "ui"], hours=4)
    await create_task(ctx, OPERATOR, TaskDraft("later", "do it later", 3))
    clock.now = START  # day 2 (today): dev claims one and holds it
    held = await create_task(ctx, OPERATOR, TaskDraft("held", "in hand", 1))
    await claim_task(ctx, agent_actor("dev"), held.id)

    report = await flow.flow_report(ctx, days=3)

    assert [d.isoformat() for d in report.days] == [
        (START - timedelta(days=n)).date().isoformat() for n in (2, 1, 0)
    ]
    assert report.cumulative[TaskStatus.INTAKE] == (1, 1, 1)
    assert report.cumulative[TaskStatus.READY] == (0, 1, 1)
    assert report.cumulative[TaskStatus.IN_PROGRESS] == (0, 0, 1)
    assert report.cumulative[TaskStatus.DONE] == (1, 2, 2)
    assert report.throughput == (1, 1, 0)
    by_agent = {c.name: (c.done, round(c.mean_hours, 3)) for c in report.cycle_by_agent}
    assert by_agent == {"dev": (1, 2.0), "ops": (1, 4.0)}
    by_tag = {c.name: (c.done, round(c.mean_hours, 3)) for c in report.cycle_by_tag}
    assert by_tag == {"api": (2, 3.0), "ui": (1, 4.0)}
    # Today's column is the board's column counts.
    columns = {column.status: column.count for column in await board(per_column=1)}
    assert {status: values[-1] for status, values in report.cumulative.items()} == columns


async def test_lease_expiries_and_failures_are_counted_on_their_day(ctx: Context) -> None:
    clock = clock_of(ctx)
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    clock.now = START - timedelta(days=1)
    first = await create_task(ctx, OPERATOR, TaskDraft("one", "do it", 2))
    await claim_task(ctx, agent_actor("dev"), first.id)
    await fail_attempt(ctx, agent_actor("dev"), first.id, "tests failed")
    clock.now = START
    second = await create_task(ctx, OPERATOR, TaskDraft("two", "do it", 2))
    await claim_task(ctx, agent_actor("dev"), second.id)
    clock.advance(seconds=601)
    assert await expire_leases(ctx) == [second.id]

    report = await flow.flow_report(ctx, days=2)
    assert report.failures == (1, 0)
    assert report.lease_expiries == (0, 1)

    snapshot = await flow.snapshot(ctx)
    assert (snapshot.claims, snapshot.done, snapshot.failures, snapshot.lease_expiries) == (
        2,
        0,
        1,
        1,
    )
    assert snapshot.tasks[TaskStatus.READY] == 2
    assert snapshot.agents[AgentStatus.OFFLINE] == 1


async def test_a_window_outside_the_bounds_is_refused(ctx: Context) -> None:
    with pytest.raises(ValidationFailed):
        await flow.flow_report(ctx, days=0)
    with pytest.raises(ValidationFailed):
        await flow.flow_report(ctx, days=flow.DAYS_MAX + 1)
