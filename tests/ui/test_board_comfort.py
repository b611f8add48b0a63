"""The board that fits and sorts: collapsed closed columns, priority or age order, what cards
say (block reason, agent state, attempts), asking before closing, undo, the new-task dialog,
keyboard shortcuts and dark mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, moves, supervision, tasks
from mission_control.store import queries
from mission_control.ui.cards import TaskCard
from tests.ui.test_board import WAIT, add_task, count_of, log_in, sees_card_in

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


def card_order(user: User, status: TaskStatus) -> list[int]:
    (column,) = user.find(marker=f"column-{status}").elements
    return [e.task_id for e in column.descendants() if isinstance(e, TaskCard)]


def key(name: str) -> dict[str, Any]:
    return {
        "action": "keydown",
        "repeat": False,
        "altKey": False,
        "ctrlKey": False,
        "metaKey": False,
        "shiftKey": False,
        "key": name,
        "code": "",
        "location": 0,
    }


async def until(condition: Callable[[], bool]) -> None:
    """Poll like `user.should_see` does (0.1 s steps) for a page state no text shows."""
    for _ in range(WAIT):
        if condition():
            return
        await asyncio.sleep(0.1)
    assert condition()


async def drag(user: User, task_id: int, status: TaskStatus) -> None:
    user.find(marker=f"card-{task_id}").trigger("dragstart")
    user.find(marker=f"column-{status}").trigger("drop")


async def test_done_and_cancelled_start_collapsed_to_their_count_and_expand(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Old news")
    await moves.cancel_task(board_runtime.ctx, OPERATOR, task.id)
    await log_in(user)
    assert count_of(user, TaskStatus.CANCELLED) == "1"
    await user.should_not_see(marker=f"card-{task.id}")
    user.find(marker="toggle-cancelled").click()
    await sees_card_in(user, TaskStatus.CANCELLED, task.id)
    user.find(marker="toggle-cancelled").click()
    await user.should_not_see(marker=f"card-{task.id}", retries=WAIT)
    assert count_of(user, TaskStatus.CANCELLED) == "1"


async def test_cards_sort_by_priority_like_claims_or_by_age(
    user: User, board_runtime: Runtime
) -> None:
    low = await add_task(board_runtime, "Someday", priority=4)
    urgent = await add_task(board_runtime, "Now", priority=1)
    later = await add_task(board_runtime, "Soon", priority=4)
    await log_in(user)
    await sees_card_in(user, TaskStatus.READY, later.id)
    assert card_order(user, TaskStatus.READY) == [urgent.id, low.id, later.id]
    (select,) = user.find(marker="sort").elements
    assert isinstance(select, ui.select)
    with user:
        select.value = "newest"
    await until(lambda: card_order(user, TaskStatus.READY) == [later.id, urgent.id, low.id])
    # A card that arrives live goes where the order puts it.
    with user:
        select.value = "priority"
    await until(lambda: card_order(user, TaskStatus.READY) == [urgent.id, low.id, later.id])
    newest_urgent = await add_task(board_runtime, "Fire", priority=1)
    await sees_card_in(user, TaskStatus.READY, newest_urgent.id)
    assert card_order(user, TaskStatus.READY) == [urgent.id, newest_urgent.id, low.id, later.id]


async def test_cards_show_the_block_reason_the_agents_state_and_attempts(
    user: User, board_runtime: Runtime
) -> None:
    blocked = await add_task(board_runtime, "Needs keys")
    await moves.block_task(board_runtime.ctx, OPERATOR, blocked.id, "waiting for the API keys")
    flaky = await add_task(board_runtime, "Flaky build")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    dev = agent_actor("dev")
    await claims.claim_task(board_runtime.ctx, dev, flaky.id)
    await supervision.fail_attempt(board_runtime.ctx, dev, flaky.id, "exit 1")
    await log_in(user)
    with user.scope(marker=f"card-{blocked.id}"):
        await user.should_see("waiting for the API keys")
    assert (await queries.get_task(flaky.id)).attempts == 1
    with user.scope(marker=f"attempts-{flaky.id}"):
        await user.should_see("1 failed attempt(s) so far", retries=WAIT)
    await tasks.assign_task(board_runtime.ctx, OPERATOR, flaky.id, "dev")
    await user.should_see(marker=f"agent-state-{flaky.id}", retries=WAIT)
    await user.should_see("dev is idle", retries=WAIT)  # the icon's tooltip
    await agents.pause_agent(board_runtime.ctx, OPERATOR, "dev")
    await user.should_see("dev is idle, paused", retries=WAIT)


async def test_a_drop_on_done_asks_first_and_keep_it_changes_nothing(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Review me")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    await claims.claim_task(board_runtime.ctx, agent_actor("dev"), task.id)
    await moves.submit_for_review(board_runtime.ctx, agent_actor("dev"), task.id, "ok")
    await log_in(user)
    await sees_card_in(user, TaskStatus.REVIEW, task.id)
    version = (await queries.get_task(task.id)).version
    await drag(user, task.id, TaskStatus.DONE)
    await user.should_see("Approve task #1 and mark it done?", retries=WAIT)
    user.find(marker="close-keep").click()
    after = await queries.get_task(task.id)
    assert (after.status, after.version) == (TaskStatus.REVIEW, version)
    await drag(user, task.id, TaskStatus.DONE)
    await user.should_see(marker="confirm-close", retries=WAIT)
    user.find(marker="close-confirm").click()
    with user.scope(marker="column-review"):
        await user.should_not_see(marker=f"card-{task.id}", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.DONE


async def test_other_drops_offer_an_undo_that_puts_the_task_back(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "On hold")
    await moves.block_task(board_runtime.ctx, OPERATOR, task.id, "legal review")
    await log_in(user)
    await drag(user, task.id, TaskStatus.READY)
    await user.should_see(marker="undo-toast", retries=WAIT)
    await sees_card_in(user, TaskStatus.READY, task.id)
    user.find(marker="undo").click()
    await sees_card_in(user, TaskStatus.BLOCKED, task.id)
    after = await queries.get_task(task.id)
    assert (after.status, after.block_reason) == (TaskStatus.BLOCKED, "legal review")


async def test_undo_of_a_release_hands_the_task_back_to_its_agent(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Mid-flight")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    await claims.claim_task(board_runtime.ctx, agent_actor("dev"), task.id)
    await log_in(user)
    await drag(user, task.id, TaskStatus.READY)
    await user.should_see(marker="undo", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.READY
    user.find(marker="undo").click()
    await sees_card_in(user, TaskStatus.IN_PROGRESS, task.id)
    back = await queries.get_task(task.id)
    assert (back.status, back.assignee) == (TaskStatus.IN_PROGRESS, "dev")


async def test_new_task_dialog_explains_readiness_and_defaults_to_p3(
    user: User, board_runtime: Runtime
) -> None:
    await log_in(user)
    user.find(marker="new-task").click()
    await user.should_see("title, a description and a priority")
    (priority,) = user.find(marker="new-priority").elements
    assert isinstance(priority, ui.select) and priority.value == 3
    user.find(marker="new-title").type("Just a title")
    user.find(marker="new-create").click()
    await user.should_see("created in Intake: add a description", retries=WAIT)
    (task,) = (await queries.list_tasks(queries.TaskQuery())).tasks
    assert (task.status, task.priority) == (TaskStatus.INTAKE, 3)


async def test_keyboard_shortcuts_open_dialogs_and_move_between_cards(
    user: User, board_runtime: Runtime
) -> None:
    first = await add_task(board_runtime, "First", priority=1)
    second = await add_task(board_runtime, "Second", priority=2)
    await log_in(user)
    keys = user.find(marker="shortcuts")
    keys.trigger("key", key("?"))
    await user.should_see(marker="shortcuts-help", retries=WAIT)
    keys.trigger("key", key("n"))
    await user.should_see(marker="new-title", retries=WAIT)
    keys.trigger("key", key("j"))
    (card,) = user.find(marker=f"card-{first.id}").elements
    assert "mc-focused" in card.classes
    keys.trigger("key", key("j"))
    (other,) = user.find(marker=f"card-{second.id}").elements
    assert "mc-focused" in other.classes and "mc-focused" not in card.classes
    keys.trigger("key", key("k"))
    assert "mc-focused" in card.classes
    keys.trigger("key", key("Enter"))
    await user.should_see(marker="task-title", retries=WAIT)
    await user.should_see("#1 · First")


async def test_pages_follow_the_systems_dark_mode(user: User, board_runtime: Runtime) -> None:
    await log_in(user)
    (dark,) = user.find(kind=ui.dark_mode).elements
    assert isinstance(dark, ui.dark_mode) and dark.value is None  # None: auto, as the system


async def test_a_drop_from_review_back_to_in_progress_asks_for_the_feedback(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Half done")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    await claims.claim_task(board_runtime.ctx, agent_actor("dev"), task.id)
    await moves.submit_for_review(board_runtime.ctx, agent_actor("dev"), task.id, "ok")
    await log_in(user)
    await sees_card_in(user, TaskStatus.REVIEW, task.id)
    await drag(user, task.id, TaskStatus.IN_PROGRESS)
    await user.should_see(marker="drop-feedback", retries=WAIT)
    user.find(marker="drop-reject").click()
    await user.should_see("Rejecting work needs feedback", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.REVIEW
    user.find(marker="drop-feedback").type("add the totals")
    user.find(marker="drop-reject").click()
    await sees_card_in(user, TaskStatus.IN_PROGRESS, task.id)
    after = await queries.get_task(task.id)
    assert (after.status, after.feedback) == (TaskStatus.IN_PROGRESS, "add the totals")


async def test_a_move_with_no_way_back_says_so_instead_of_offering_undo(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Rough idea", priority=None)
    await log_in(user)
    await sees_card_in(user, TaskStatus.INTAKE, task.id)
    await drag(user, task.id, TaskStatus.READY)
    await user.should_see(
        "No undo: the operator has no move from ready back to intake", retries=WAIT
    )
    await user.should_not_see(marker="undo-toast")
    assert (await queries.get_task(task.id)).status is TaskStatus.READY
