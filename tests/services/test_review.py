"""The review round in services/moves.py: submit, reject with feedback, approve to done."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.moves import approve_task, reject_task, submit_for_review
from mission_control.store.context import Context
from tests.services.events import event_count, kinds_of, last_of
from tests.support.factories import add_agent, add_task


async def in_review(ctx: Context) -> tuple[int, object]:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)
    await submit_for_review(ctx, dev, task.id, "the report, attached")
    return task.id, dev


async def test_submitted_work_waits_in_review_with_its_result(ctx: Context) -> None:
    task_id, _ = await in_review(ctx)

    row = await Task.get(id=task_id)
    assert row.status is TaskStatus.REVIEW and row.result == "the report, attached"
    assert (await kinds_of(task_id))[-1] == EventKind.SUBMITTED.value


async def test_rejected_work_goes_back_to_its_agent_with_the_feedback(ctx: Context) -> None:
    task_id, _ = await in_review(ctx)

    await reject_task(ctx, OPERATOR, task_id, "add the totals")

    row = await Task.get(id=task_id).prefetch_related("assignee")
    assert row.status is TaskStatus.IN_PROGRESS and row.feedback == "add the totals"
    assert row.assignee is not None and row.assignee.name == "dev"  # type: ignore[union-attr]
    event = await last_of(task_id)
    assert event.kind == EventKind.REJECTED.value and "add the totals" in str(event.payload)


async def test_a_rejection_without_feedback_is_refused_and_changes_nothing(ctx: Context) -> None:
    task_id, _ = await in_review(ctx)
    before = (await Task.get(id=task_id)).version, await event_count()

    with pytest.raises(ValidationFailed, match="feedback"):
        await reject_task(ctx, OPERATOR, task_id, "   ")

    row = await Task.get(id=task_id)
    assert row.status is TaskStatus.REVIEW
    assert (row.version, await event_count()) == before


async def test_approved_work_is_done(ctx: Context) -> None:
    task_id, _ = await in_review(ctx)

    await approve_task(ctx, OPERATOR, task_id)

    assert (await Task.get(id=task_id)).status is TaskStatus.DONE
    assert (await kinds_of(task_id))[-1] == EventKind.APPROVED.value
    with pytest.raises(InvalidTransition):  # done is done
        await approve_task(ctx, OPERATOR, task_id)


async def test_an_agent_cannot_approve_its_own_work_nor_anyone_with_a_stale_version(
    ctx: Context,
) -> None:
    task_id, dev = await in_review(ctx)
    version = (await Task.get(id=task_id)).version

    with pytest.raises(Forbidden):
        await approve_task(ctx, dev, task_id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        await approve_task(ctx, OPERATOR, task_id, expected_version=version - 1)

    row = await Task.get(id=task_id)
    assert row.status is TaskStatus.REVIEW and row.version == version


async def test_only_ready_work_is_submitted(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)

    with pytest.raises((InvalidTransition, Forbidden)):
        await submit_for_review(ctx, dev, task.id, "nothing done")

    assert (await Task.get(id=task.id)).status is TaskStatus.READY


async def test_a_reject_never_puts_its_agent_over_the_wip_limit_the_rework_is_its_next_claim(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev", wip_limit=1)
    other = await add_agent(ctx, "other", wip_limit=1)
    first = await add_task(ctx, "first", priority=3)
    await claim_task(ctx, dev, first.id)
    await submit_for_review(ctx, dev, first.id, "done, I think")
    urgent = await add_task(ctx, "urgent", priority=1)
    await claim_task(ctx, dev, urgent.id)  # dev is at its limit again

    await reject_task(ctx, OPERATOR, first.id, "add the totals")

    row = await Task.get(id=first.id).prefetch_related("assignee")
    assert row.status is TaskStatus.READY and row.feedback == "add the totals"
    assert row.assignee is not None and row.assignee.name == "dev"  # waits for dev alone
    rejected = await last_of(first.id)
    assert (rejected.kind, rejected.to_status) == (EventKind.REJECTED.value, "ready")
    assert rejected.payload["assignee"] == "dev"
    assert (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=row.assignee.id).count() == 1
    )
    assert (await claim_next(ctx, other)).outcome is ClaimOutcome.NOTHING  # not its rework
    with pytest.raises(Forbidden):
        await claim_task(ctx, other, first.id)

    await submit_for_review(ctx, dev, urgent.id, "urgent done")
    later = await add_task(ctx, "more urgent than the rework", priority=1)
    answer = await claim_next(ctx, dev)

    assert answer.task is not None and answer.task.id == first.id  # its own rework first
    assert answer.task.feedback == "add the totals"
    assert later.id != first.id


async def test_a_reject_within_the_wip_limit_goes_straight_back_in_progress(ctx: Context) -> None:
    task_id, _ = await in_review(ctx)

    await reject_task(ctx, OPERATOR, task_id, "add the totals")

    assert (await Task.get(id=task_id)).status is TaskStatus.IN_PROGRESS
