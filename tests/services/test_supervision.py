"""services/supervision.py in-process: a failed attempt is retried after its backoff, the last
one blocks the task, and only the holder or the operator may report it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from mission_control.domain.supervision import LimitOverrides
from mission_control.domain.workflow import TaskStatus
from mission_control.services.claims import claim_task
from mission_control.services.supervision import fail_attempt, set_task_limits
from mission_control.store import queries
from mission_control.store.context import Context
from mission_control.store.views import TaskView
from tests.services.conftest import Clock
from tests.services.events import event_count, kinds_of, last_of
from tests.support.factories import add_agent, add_task


async def test_a_failed_attempt_waits_out_its_backoff_and_the_last_one_blocks_the_task(
    ctx: Context, clock: Clock
) -> None:
    dev = await add_agent(ctx, "dev")
    task = await add_task(ctx)
    limited = await set_task_limits(ctx, OPERATOR, task.id, LimitOverrides(max_attempts=2))
    assert isinstance(limited, TaskView) and limited.own_limits.max_attempts == 2

    await claim_task(ctx, dev, task.id)
    retried = await fail_attempt(ctx, dev, task.id, "exit 1: the disk is full")
    released = await last_of(task.id)
    assert isinstance(retried, TaskView)
    assert (retried.status, retried.attempts, retried.assignee) == (TaskStatus.READY, 1, None)
    wait = timedelta(seconds=released.payload["retry_in_seconds"])
    assert retried.retry_at == clock.now + wait
    assert retried == await queries.get_task(task.id), "the view is the row as committed"

    clock.advance(wait.total_seconds())
    await claim_task(ctx, dev, task.id)
    blocked = await fail_attempt(ctx, dev, task.id, "exit 1 again", timed_out=True)
    assert (blocked.status, blocked.attempts) == (TaskStatus.BLOCKED, 2)
    assert blocked.block_reason is not None and "giving up" in blocked.block_reason
    assert (await kinds_of(task.id))[-2:] == ["attempt_failed", "blocked"]


async def test_only_the_holder_or_the_operator_reports_a_failed_attempt(ctx: Context) -> None:
    dev = await add_agent(ctx, "dev")
    other = await add_agent(ctx, "other")
    task = await add_task(ctx)
    with pytest.raises(InvalidTransition):
        await fail_attempt(ctx, dev, task.id, "never started")
    await claim_task(ctx, dev, task.id)
    before = await event_count()

    with pytest.raises(Forbidden):
        await fail_attempt(ctx, other, task.id, "not mine")
    assert await event_count() == before
    assert (await fail_attempt(ctx, OPERATOR, task.id, "stopped by hand")).attempts == 1


async def test_a_task_s_own_limits_need_the_operator_and_at_least_one_value(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev")
    task = await add_task(ctx)
    with pytest.raises(Forbidden):
        await set_task_limits(ctx, dev, task.id, LimitOverrides(max_attempts=3))
    with pytest.raises(ValidationFailed):
        await set_task_limits(ctx, OPERATOR, task.id, LimitOverrides())

    view = await set_task_limits(ctx, OPERATOR, task.id, LimitOverrides(max_run_seconds=600))
    assert view.own_limits == LimitOverrides(max_run_seconds=600)
    assert view.version == task.version + 1
