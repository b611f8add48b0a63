"""services/control.py and agent pauses: the operator's switches stop pickups."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import Forbidden, Paused
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.agents import pause_agent, resume_agent
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.control import Autonomy, get_autonomy, set_autonomy
from mission_control.store.context import Context
from tests.services.events import event_count
from tests.support.factories import add_agent, add_task


async def test_a_global_pause_stops_every_pickup_until_resumed(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, paused=True)

    answer = await claim_next(ctx, dev)
    assert answer.outcome is ClaimOutcome.NOTHING and answer.reason
    with pytest.raises(Paused):
        await claim_task(ctx, dev, task.id)
    assert (await Task.get(id=task.id)).status is TaskStatus.READY

    await set_autonomy(ctx, OPERATOR, paused=False)
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.CLAIMED


async def test_pausing_one_agent_stops_only_its_pickups(ctx: Context) -> None:
    dev, ops = await add_agent(ctx, "dev"), await add_agent(ctx, "ops")
    await add_task(ctx, "one")
    await add_task(ctx, "two")
    await pause_agent(ctx, OPERATOR, "dev")

    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.NOTHING
    assert (await claim_next(ctx, ops)).outcome is ClaimOutcome.CLAIMED

    await resume_agent(ctx, OPERATOR, "dev")
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.CLAIMED


async def test_setting_the_same_switches_again_records_nothing(ctx: Context) -> None:
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    before = await event_count()

    again = await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)

    assert again == Autonomy(paused=False, mode=AutonomyMode.MANUAL)
    assert await event_count() == before


async def test_an_agent_cannot_flip_the_switches(ctx: Context) -> None:
    dev = await add_agent(ctx)

    with pytest.raises(Forbidden):
        await set_autonomy(ctx, dev, paused=True)
    with pytest.raises(Forbidden):
        await pause_agent(ctx, dev, "dev")

    assert await get_autonomy(ctx) == Autonomy(paused=False, mode=ctx.settings.autonomy)
