"""services/decomposition.py in-process: a preview writes nothing, an accepted proposal writes
every subtask and dependency or nothing at all."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.decomposition import ProposedSubtask
from mission_control.domain.errors import InvalidTransition, ValidationFailed
from mission_control.domain.workflow import TaskStatus
from mission_control.services.decomposition import accept_decomposition, decompose_task
from mission_control.services.moves import cancel_task
from mission_control.store import queries
from mission_control.store.context import Context
from mission_control.store.dependencies import depends_on_of
from mission_control.store.views import TaskView
from tests.services.events import event_count, kinds_of
from tests.support.factories import add_task

STEPS = "1. Draft the schema\n2. Write the migration\n- Tell the team"


async def test_a_preview_proposes_the_outline_and_writes_nothing(ctx: Context) -> None:
    parent = await add_task(ctx, "Add billing", STEPS, priority=2, tags=["api"])
    before = await event_count()

    preview = await decompose_task(ctx, OPERATOR, parent.id, preview=True)

    assert [item.title for item in preview.proposal] == [
        "Draft the schema",
        "Write the migration",
        "Tell the team",
    ]
    assert [item.depends_on for item in preview.proposal] == [(), (0,), ()]
    assert preview.created == [] and preview.task == parent
    assert await event_count() == before
    assert await queries.subtasks(parent.id) == []


async def test_accepting_writes_the_subtasks_their_dependencies_and_one_event(
    ctx: Context,
) -> None:
    parent = await add_task(ctx, "Add billing", STEPS, priority=2, tags=["api"])

    written = await decompose_task(ctx, OPERATOR, parent.id)

    assert all(isinstance(child, TaskView) for child in written.created)
    assert [child.parent_id for child in written.created] == [parent.id] * 3
    assert {child.status for child in written.created} == {TaskStatus.READY}
    first, second, third = (child.id for child in written.created)
    assert await depends_on_of([first, second, third]) == {first: [], second: [first], third: []}
    assert written.task.version == parent.version + 1
    assert await queries.subtasks(parent.id) == [
        await queries.get_task(child) for child in (first, second, third)
    ]
    assert (await kinds_of(parent.id))[-1] == "decomposed"


async def test_a_proposal_with_a_cycle_writes_nothing(ctx: Context) -> None:
    parent = await add_task(ctx, "Add billing", "No list here")
    before = await event_count()
    cycle = [
        ProposedSubtask("One", "first", 3, depends_on=(1,)),
        ProposedSubtask("Two", "second", 3, depends_on=(0,)),
    ]
    with pytest.raises(ValidationFailed, match="cycle"):
        await accept_decomposition(ctx, OPERATOR, parent.id, cycle)
    assert await event_count() == before
    assert await queries.subtasks(parent.id) == []


async def test_a_closed_task_is_not_split(ctx: Context) -> None:
    parent = await add_task(ctx, "Add billing", STEPS)
    await cancel_task(ctx, OPERATOR, parent.id, "not this quarter")
    with pytest.raises(InvalidTransition):
        await decompose_task(ctx, OPERATOR, parent.id, preview=True)
