"""services/approvals.py: in manual mode a pickup waits for the operator's answer."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ApprovalStatus, ClaimOutcome
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import Forbidden
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.approvals import decide_approval, expire_approvals, list_approvals
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.control import set_autonomy
from mission_control.store.context import Context
from tests.services.conftest import APPROVAL_TIMEOUT_SECONDS, Clock
from tests.services.events import kinds_of
from tests.support.factories import add_agent, add_task


async def test_in_manual_mode_a_pickup_waits_for_approval_and_the_task_stays_ready(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)

    asked = await claim_next(ctx, dev)

    assert asked.outcome is ClaimOutcome.AWAITING_APPROVAL
    assert asked.approval_id is not None and asked.task is not None and asked.task.id == task.id
    assert (await Task.get(id=task.id)).status is TaskStatus.READY
    assert [a.task_id for a in await list_approvals()] == [task.id]
    again = await claim_next(ctx, dev)  # asking again is the same request, not a second one
    assert again.approval_id is not None and again.approval_id == asked.approval_id
    # nor can it take the task by name meanwhile: the one pickup rule refuses manual mode
    with pytest.raises(Forbidden, match="manual"):
        await claim_task(ctx, dev, task.id)


async def test_a_granted_request_claims_the_task_for_the_agent(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    asked = await claim_next(ctx, dev)
    assert asked.approval_id is not None

    granted = await decide_approval(ctx, OPERATOR, asked.approval_id, approve=True)

    assert granted.status is ApprovalStatus.GRANTED
    row = await Task.get(id=task.id).prefetch_related("assignee")
    assert row.status is TaskStatus.IN_PROGRESS
    assert row.assignee is not None and row.assignee.name == "dev"  # type: ignore[union-attr]
    assert (await kinds_of(task.id))[-2:] == [
        EventKind.APPROVAL_GRANTED.value,
        EventKind.CLAIMED.value,
    ]


async def test_a_declined_request_leaves_the_task_ready_and_not_offered_to_that_agent_again(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    asked = await claim_next(ctx, dev)
    assert asked.approval_id is not None

    await decide_approval(ctx, OPERATOR, asked.approval_id, approve=False, reason="not you")

    assert (await Task.get(id=task.id)).status is TaskStatus.READY
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.NOTHING


async def test_an_unanswered_request_expires(ctx: Context, clock: Clock) -> None:
    dev = await add_agent(ctx)
    await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    await claim_next(ctx, dev)

    clock.advance(APPROVAL_TIMEOUT_SECONDS + 1)

    assert await expire_approvals(ctx) == 1
    assert [a.status for a in await list_approvals(None)] == [ApprovalStatus.EXPIRED]
    assert await expire_approvals(ctx) == 0


async def test_an_always_auto_tag_is_claimed_without_asking_even_in_manual_mode(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx, tags=["trivial"])
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)

    answer = await claim_next(ctx, dev)

    assert answer.outcome is ClaimOutcome.CLAIMED and answer.task is not None
    assert answer.task.id == task.id
    assert await list_approvals() == []


async def test_only_the_operator_answers_requests(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    asked = await claim_next(ctx, dev)
    assert asked.approval_id is not None

    with pytest.raises(Forbidden):
        await decide_approval(ctx, dev, asked.approval_id, approve=True)

    assert (await Task.get(id=task.id)).status is TaskStatus.READY
    assert [a.status for a in await list_approvals(None)] == [ApprovalStatus.PENDING]
