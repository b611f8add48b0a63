"""store/views.py: what store/ and the services hand above them is a frozen copy, not a row."""

from __future__ import annotations

import dataclasses

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.board_order import CardOrder
from mission_control.domain.supervision import LimitOverrides
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.services.claims import claim_next
from mission_control.services.dependencies import add_dependency, remove_dependency
from mission_control.services.moves import block_task, unblock_task
from mission_control.services.supervision import set_task_limits
from mission_control.services.tasks import TaskEdit, assign_task, update_task
from mission_control.store import queries
from mission_control.store.context import Context
from mission_control.store.views import TaskView, task_view
from tests.support.factories import add_agent, add_task


async def test_a_claimed_task_reads_as_a_frozen_view_with_its_assignee_and_own_limits(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev", skills=["api", "web"])
    task = await add_task(ctx, "Ship it", tags=["api", "web"])
    await set_task_limits(ctx, OPERATOR, task.id, LimitOverrides(max_attempts=2))

    claim = await claim_next(ctx, dev)
    assert isinstance(claim.task, TaskView)
    assert (claim.task.id, claim.task.assignee) == (task.id, "dev")

    view = await queries.get_task(task.id)
    assert (view.title, view.tags, view.assignee, view.version) == (
        "Ship it",
        ("api", "web"),
        "dev",
        claim.task.version,
    )
    assert view.own_limits == LimitOverrides(max_attempts=2)
    assert view.claimed_at is not None and view.stuck_since is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.title = "changed"  # type: ignore[misc]
    assert not hasattr(view, "__dict__")  # slots: no attribute can be added by mistake


async def test_pages_columns_and_subtasks_hand_out_views_and_a_row_never_leaks(
    ctx: Context,
) -> None:
    parent = await add_task(ctx, "Parent")
    child = await add_task(ctx, "Child", parent_id=parent.id)

    page = await queries.list_tasks(queries.TaskQuery())
    columns = await queries.board()
    subtasks = await queries.subtasks_of([parent.id])
    handed = [*page.tasks, *(t for c in columns for t in c.tasks), *subtasks[parent.id]]

    assert {view.id for view in handed} == {parent.id, child.id}
    assert all(isinstance(view, TaskView) and not isinstance(view, Task) for view in handed)
    assert [view.id for view in subtasks[parent.id]] == [child.id]
    assert subtasks[parent.id][0].assignee is None


async def test_a_task_without_its_assignee_loaded_reads_as_unassigned_not_a_query(
    ctx: Context,
) -> None:
    task = await add_task(ctx, "Plain")
    row = await Task.get(id=task.id)
    assert task_view(row).assignee is None


async def test_the_task_side_use_cases_hand_out_views_as_committed(ctx: Context) -> None:
    dev = await add_agent(ctx, "dev")
    first = await add_task(ctx, "First")
    second = await add_task(ctx, "Second")
    handed = [
        first,
        await update_task(ctx, OPERATOR, first.id, TaskEdit(title="First, renamed")),
        await add_dependency(ctx, OPERATOR, second.id, first.id),
        await assign_task(ctx, OPERATOR, first.id, "dev", force=True),
        await block_task(ctx, OPERATOR, first.id, "waiting for the keys"),
        await unblock_task(ctx, OPERATOR, first.id),
        await remove_dependency(ctx, OPERATOR, second.id, first.id),
    ]
    assert all(isinstance(view, TaskView) for view in handed)
    assert handed[1].title == "First, renamed"
    assert (handed[3].status, handed[3].assignee) == (TaskStatus.IN_PROGRESS, dev.name)
    assert handed[4].block_reason == "waiting for the keys"
    assert handed[5] == await queries.get_task(first.id)
    assert handed[6] == await queries.get_task(second.id)

    cards, more = await queries.column_cards(
        queries.TaskQuery(statuses=[TaskStatus.READY]), CardOrder.PRIORITY
    )
    assert cards == [handed[5], handed[6]] and not more
