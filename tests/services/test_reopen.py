"""Reopening (services/moves.py:reopen_task): a closed task goes back by the readiness rule."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR, Actor, Role
from mission_control.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.claims import claim_task
from mission_control.services.moves import (
    approve_task,
    cancel_task,
    move_task,
    reopen_task,
    submit_for_review,
)
from mission_control.store.context import Context
from tests.services.events import event_count, last_of
from tests.support.factories import add_agent, add_task

VIEWER = Actor(Role.VIEWER, "guest")


async def done_task(ctx: Context) -> int:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)
    await submit_for_review(ctx, dev, task.id, "the report")
    await approve_task(ctx, OPERATOR, task.id)
    return task.id


async def test_a_done_task_reopens_to_ready_with_a_fresh_start(ctx: Context) -> None:
    task_id = await done_task(ctx)

    await reopen_task(ctx, OPERATOR, task_id, "the totals are wrong")

    row = await Task.get(id=task_id)
    assert row.status is TaskStatus.READY
    assert (row.progress, row.attempts, row.lease_expires_at) == (0, 0, None)
    assert row.result == "the report", "the earlier result stays to read"
    event = await last_of(task_id)
    assert event.kind == EventKind.REOPENED.value
    assert (event.from_status, event.to_status) == ("done", "ready")
    assert event.payload["reason"] == "the totals are wrong"


async def test_an_incomplete_cancelled_task_reopens_to_intake(ctx: Context) -> None:
    task = await add_task(ctx, priority=None)
    await cancel_task(ctx, OPERATOR, task.id, "not now")

    await reopen_task(ctx, OPERATOR, task.id)

    assert (await Task.get(id=task.id)).status is TaskStatus.INTAKE


async def test_a_move_against_the_readiness_rule_is_refused(ctx: Context) -> None:
    task_id = await done_task(ctx)
    before = (await Task.get(id=task_id)).version, await event_count()

    with pytest.raises(InvalidTransition, match="reopens to ready"):
        await move_task(ctx, OPERATOR, task_id, TaskStatus.INTAKE)

    assert ((await Task.get(id=task_id)).version, await event_count()) == before


@pytest.mark.parametrize("who", ["agent", "viewer"])
async def test_only_the_operator_reopens_and_a_refusal_changes_nothing(
    ctx: Context, who: str
) -> None:
    task_id = await done_task(ctx)
    actor = Actor(Role.AGENT, "dev") if who == "agent" else VIEWER
    before = (await Task.get(id=task_id)).version, await event_count()

    with pytest.raises(Forbidden):
        await reopen_task(ctx, actor, task_id)

    row = await Task.get(id=task_id)
    assert row.status is TaskStatus.DONE
    assert (row.version, await event_count()) == before


async def test_an_open_task_or_a_missing_one_cannot_be_reopened(ctx: Context) -> None:
    task = await add_task(ctx)
    before = (await Task.get(id=task.id)).version, await event_count()

    with pytest.raises(InvalidTransition, match="not done or cancelled"):
        await reopen_task(ctx, OPERATOR, task.id)
    with pytest.raises(NotFound):
        await reopen_task(ctx, OPERATOR, 99999)

    assert ((await Task.get(id=task.id)).version, await event_count()) == before


async def test_a_stale_version_is_refused(ctx: Context) -> None:
    task_id = await done_task(ctx)
    version = (await Task.get(id=task_id)).version

    with pytest.raises(Conflict):
        await reopen_task(ctx, OPERATOR, task_id, expected_version=version - 1)

    assert (await Task.get(id=task_id)).status is TaskStatus.DONE
