"""services/agents.py: registering agents, heartbeats, and taking an agent's work back."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import AgentStatus, ClaimOutcome
from mission_control.domain.errors import Conflict, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.services.agents import (
    cancel_agent_work,
    heartbeat,
    list_agents,
    reassign_agent_work,
    register_agent,
)
from mission_control.services.claims import claim_next
from mission_control.store.context import Context
from tests.services.conftest import OFFLINE_AFTER_SECONDS, Clock
from tests.services.events import event_count, last_of
from tests.support.factories import add_agent, add_task


async def test_a_wip_limit_of_two_lets_an_agent_hold_two_tasks_and_no_third(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, wip_limit=2)
    for n in range(3):
        await add_task(ctx, f"t{n}")

    outcomes = [(await claim_next(ctx, dev)).outcome for _ in range(3)]

    assert outcomes == [ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED, ClaimOutcome.NOTHING]
    assert await Task.filter(status=TaskStatus.IN_PROGRESS).count() == 2


@pytest.mark.parametrize(
    ("name", "wip_limit", "error"),
    [("dev", 1, Conflict), ("new", 0, ValidationFailed), ("new", 101, ValidationFailed)],
    ids=["taken name", "wip 0", "wip 101"],
)
async def test_a_bad_registration_is_refused_and_adds_nothing(
    ctx: Context, name: str, wip_limit: int, error: type[Exception]
) -> None:
    await add_agent(ctx, "dev")
    before = await event_count()

    with pytest.raises(error):
        await register_agent(ctx, OPERATOR, name, wip_limit=wip_limit)

    assert await Agent.all().count() == 1 and await event_count() == before


async def test_a_silent_agent_is_shown_offline_and_a_heartbeat_brings_it_back(
    ctx: Context, clock: Clock
) -> None:
    dev = await add_agent(ctx)
    await heartbeat(ctx, dev)

    clock.advance(OFFLINE_AFTER_SECONDS + 1)
    assert [a.status for a in await list_agents(ctx)] == [AgentStatus.OFFLINE]

    beat = await heartbeat(ctx, dev, token_budget=900)
    assert beat.status is AgentStatus.IDLE and beat.token_budget == 900


async def test_cancelling_an_agents_work_returns_its_task_to_ready(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_next(ctx, dev)

    released = await cancel_agent_work(ctx, OPERATOR, "dev", "wrong approach")

    assert released is not None and released.id == task.id
    row = await Task.get(id=task.id)
    assert row.status is TaskStatus.READY and row.assignee_id is None
    event = await last_of(task.id)
    assert event.kind == EventKind.RELEASED.value and event.agent_name == "dev"
    assert await cancel_agent_work(ctx, OPERATOR, "dev") is None  # nothing held any more


async def test_reassigning_moves_the_task_to_the_other_agent(ctx: Context) -> None:
    dev = await add_agent(ctx, "dev")
    await add_agent(ctx, "ops")
    task = await add_task(ctx)
    await claim_next(ctx, dev)

    moved = await reassign_agent_work(ctx, OPERATOR, "dev", "ops")

    assert moved is not None
    row = await Task.get(id=task.id).prefetch_related("assignee")
    assert row.status is TaskStatus.READY
    assert row.assignee is not None and row.assignee.name == "ops"  # type: ignore[union-attr]
