"""Stuck detection: silent work is marked once, and a new report or heartbeat clears it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Event, Task
from mission_control.services import agents as agent_services
from mission_control.services.claims import claim_task, report_progress
from mission_control.services.moves import submit_for_review
from mission_control.services.stuck import clear_on_report, watch_stuck
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.store.context import Context
from mission_control.store.journal import to_record
from tests.support.service_context import clock_of, open_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def ctx(kind: str, tmp_path: Path) -> AsyncIterator[Context]:
    async for context in open_ctx(kind, tmp_path, stuck_after_minutes=45):
        yield context


async def held_task(ctx: Context, tags: tuple[str, ...] = ()) -> Task:
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    task = await create_task(ctx, OPERATOR, TaskDraft("work", "do it", 3, tags))
    return await claim_task(ctx, agent_actor("dev"), task.id)


async def stuck_events() -> list[tuple[str, str]]:
    rows = await Event.filter(kind__in=["stuck", "stuck_cleared"]).order_by("id")
    return [(row.kind, row.payload["reason"]) for row in rows]


async def replay(*records: EventRecord) -> AsyncIterator[EventRecord]:
    for record in records:
        yield record


async def test_silent_work_is_marked_stuck_once_and_a_progress_report_clears_it(
    ctx: Context,
) -> None:
    task = await held_task(ctx)
    clock_of(ctx).advance(minutes=45)
    assert await watch_stuck(ctx) == []  # at the limit, not past it

    clock_of(ctx).advance(minutes=1)
    assert await watch_stuck(ctx) == [(task.id, EventKind.STUCK)]
    assert await watch_stuck(ctx) == []  # once, not every sweep
    marked = await Task.get(id=task.id)
    assert marked.stuck_since == clock_of(ctx).now
    assert await stuck_events() == [
        ("stuck", "no progress report or heartbeat from dev for 46 min (limit 45 min)")
    ]
    stuck = await Event.get(kind="stuck")
    assert stuck.task_id == task.id and stuck.agent_name == "dev"

    clock_of(ctx).advance(minutes=2)
    await report_progress(ctx, agent_actor("dev"), task.id, 30)
    progress = await Event.filter(kind="progress").order_by("-id").first()
    assert progress is not None
    await clear_on_report(ctx, replay(to_record(progress)))

    assert (await Task.get(id=task.id)).stuck_since is None
    assert [k for k, _ in await stuck_events()] == ["stuck", "stuck_cleared"]
    await clear_on_report(ctx, replay(to_record(progress)))  # a replayed report: nothing new
    assert await watch_stuck(ctx) == []
    assert len(await stuck_events()) == 2


async def test_heartbeats_keep_work_alive_and_a_late_one_clears_the_mark_in_the_sweep(
    ctx: Context,
) -> None:
    task = await held_task(ctx)
    for _ in range(3):
        clock_of(ctx).advance(minutes=30)
        await agent_services.heartbeat(ctx, agent_actor("dev"))
        assert await watch_stuck(ctx) == []

    clock_of(ctx).advance(minutes=50)
    assert await watch_stuck(ctx) == [(task.id, EventKind.STUCK)]
    clock_of(ctx).advance(minutes=1)
    await agent_services.heartbeat(ctx, agent_actor("dev"))
    assert await watch_stuck(ctx) == [(task.id, EventKind.STUCK_CLEARED)]
    assert (await stuck_events())[-1] == ("stuck_cleared", "the holder reported again")


async def test_a_task_tag_sets_its_own_limit_and_zero_turns_the_check_off(ctx: Context) -> None:
    quick = await held_task(ctx, ("stuck-after:5",))
    await agent_services.register_agent(ctx, OPERATOR, "ops")
    never = await create_task(ctx, OPERATOR, TaskDraft("long", "think", 3, ["stuck-after:0"]))
    await claim_task(ctx, agent_actor("ops"), never.id)

    clock_of(ctx).advance(minutes=6)
    assert await watch_stuck(ctx) == [(quick.id, EventKind.STUCK)]
    clock_of(ctx).advance(days=3)
    assert await watch_stuck(ctx) == []


async def test_a_stuck_task_that_leaves_in_progress_loses_its_mark(ctx: Context) -> None:
    task = await held_task(ctx)
    clock_of(ctx).advance(minutes=60)
    await watch_stuck(ctx)
    await submit_for_review(ctx, agent_actor("dev"), task.id, "finally")

    assert await watch_stuck(ctx) == [(task.id, EventKind.STUCK_CLEARED)]
    assert (await stuck_events())[-1] == ("stuck_cleared", "no longer in progress (now review)")
