"""services/dependencies.py: a task waits for the tasks it depends on, and no cycle is made."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.errors import Conflict, ValidationFailed
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task, TaskDependency
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.dependencies import add_dependency, remove_dependency
from mission_control.services.moves import approve_task, submit_for_review
from mission_control.store.context import Context
from tests.support.factories import add_agent, add_task


async def test_a_task_waiting_for_another_is_not_handed_out_until_that_one_is_done(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx)
    first = await add_task(ctx, "first", priority=5)
    then = await add_task(ctx, "then", priority=1)  # more urgent, but it waits
    await add_dependency(ctx, OPERATOR, then.id, first.id)

    answer = await claim_next(ctx, dev)
    assert answer.task is not None and answer.task.id == first.id

    await submit_for_review(ctx, dev, first.id, "done")
    assert (await claim_next(ctx, dev)).outcome is ClaimOutcome.NOTHING  # in review is not done
    await approve_task(ctx, OPERATOR, first.id)
    answer = await claim_next(ctx, dev)
    assert answer.task is not None and answer.task.id == then.id


async def test_a_dependency_that_would_close_a_cycle_is_refused_and_not_stored(
    ctx: Context,
) -> None:
    a, b, c = [await add_task(ctx, name) for name in "abc"]
    await add_dependency(ctx, OPERATOR, b.id, a.id)
    await add_dependency(ctx, OPERATOR, c.id, b.id)

    with pytest.raises(ValidationFailed, match="cycle"):
        await add_dependency(ctx, OPERATOR, a.id, c.id)
    with pytest.raises(ValidationFailed, match="itself"):
        await add_dependency(ctx, OPERATOR, a.id, a.id)

    assert await TaskDependency.all().count() == 2


async def test_removing_a_dependency_frees_the_task_and_removing_it_twice_is_an_error(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx)
    first = await add_task(ctx, "first")
    then = await add_task(ctx, "then")
    await add_dependency(ctx, OPERATOR, then.id, first.id)
    await claim_next(ctx, dev)  # takes `first`

    await remove_dependency(ctx, OPERATOR, then.id, first.id)

    other = await add_agent(ctx, "other")
    answer = await claim_next(ctx, other)
    assert answer.task is not None and answer.task.id == then.id
    with pytest.raises(ValidationFailed):
        await remove_dependency(ctx, OPERATOR, then.id, first.id)


async def test_a_task_waiting_for_another_cannot_be_claimed_by_name_either(ctx: Context) -> None:
    dev = await add_agent(ctx)
    first = await add_task(ctx, "first")
    then = await add_task(ctx, "then")
    await add_dependency(ctx, OPERATOR, then.id, first.id)

    with pytest.raises(Conflict, match="not done yet"):
        await claim_task(ctx, dev, then.id)

    assert (await Task.get(id=then.id)).status is TaskStatus.READY
