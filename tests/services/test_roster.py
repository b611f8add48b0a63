"""store/roster.py: how full each agent is, as routing sees it, counted by the database."""

from __future__ import annotations

from datetime import timedelta

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ApprovalStatus
from mission_control.models import Agent, Approval
from mission_control.services.claims import claim_task
from mission_control.services.tasks import assign_task
from mission_control.store.context import Context
from mission_control.store.roster import taken_counts
from tests.support.factories import add_agent, add_task


async def reserve(ctx: Context, task_id: int, agent: str, status: ApprovalStatus) -> None:
    now = ctx.clock()
    await Approval.create(
        task_id=task_id,
        agent=await Agent.get(name=agent),
        status=status,
        requested_at=now,
        expires_at=now + timedelta(minutes=5),
    )


async def test_an_agent_s_taken_tasks_are_its_held_assigned_and_reserved_ones_counted_once(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev", wip_limit=5)
    await add_agent(ctx, "ops")
    held, assigned, reserved_too, elsewhere = [await add_task(ctx, f"T{n}") for n in range(4)]
    await claim_task(ctx, dev, held.id)
    for task in (assigned, reserved_too):
        await assign_task(ctx, OPERATOR, task.id, "dev")
    await reserve(ctx, reserved_too.id, "dev", ApprovalStatus.PENDING)  # the same task twice
    await reserve(ctx, elsewhere.id, "ops", ApprovalStatus.PENDING)
    await reserve(ctx, held.id, "ops", ApprovalStatus.DECLINED)  # decided: reserves nothing

    counts = await taken_counts()

    assert counts[(await Agent.get(name="dev")).id] == 3
    assert counts[(await Agent.get(name="ops")).id] == 1
