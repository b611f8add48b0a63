"""services/tasks.py: creating tasks, triage to ready, and bad input refused without a trace."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.errors import Forbidden, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.tasks import TaskDraft, TaskEdit, create_task, update_task
from mission_control.store.context import Context
from tests.services.events import event_count, kinds_of
from tests.support.factories import add_agent, add_task


async def test_a_complete_task_is_created_ready_with_its_events(ctx: Context) -> None:
    task = await add_task(ctx, "Fix the parser", tags=["python"])

    assert task.status is TaskStatus.READY and task.tags == ("python",)
    kinds = await kinds_of(task.id)
    assert kinds[0] == EventKind.CREATED.value and len(kinds) == 2  # created, then triaged


async def test_a_task_without_a_priority_waits_in_intake_until_it_has_one(ctx: Context) -> None:
    task = await add_task(ctx, priority=None)
    assert task.status is TaskStatus.INTAKE

    await update_task(ctx, OPERATOR, task.id, TaskEdit(priority=2))

    assert (await Task.get(id=task.id)).status is TaskStatus.READY


@pytest.mark.parametrize(
    "draft",
    [
        TaskDraft(title="   ", description="x", priority=3),
        TaskDraft(title="x" * 10_000, description="x", priority=3),
        TaskDraft(title="ok", description="x", priority=9),
    ],
    ids=["blank title", "huge title", "priority out of range"],
)
async def test_bad_input_is_refused_with_a_reason_and_writes_nothing(
    ctx: Context, draft: TaskDraft
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await create_task(ctx, OPERATOR, draft)

    assert str(refused.value)
    assert await Task.all().count() == 0 and await event_count() == 0


async def test_an_agent_cannot_create_tasks(ctx: Context) -> None:
    dev = await add_agent(ctx)
    before = await event_count()

    with pytest.raises(Forbidden):
        await create_task(ctx, dev, TaskDraft(title="mine", description="x", priority=1))

    assert await Task.all().count() == 0 and await event_count() == before
