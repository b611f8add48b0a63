"""The board page: columns, new tasks, drag and drop, filters, paging and live updates."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, tasks
from mission_control.store import queries
from tests.support.server import OPERATOR_TOKEN

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")

WAIT = 30  # retries of 0.1 s: live updates arrive within ~100 ms, CI machines are slow


async def add_task(runtime: Runtime, title: str, priority: int | None = 3, **extra: object) -> Task:
    draft = tasks.TaskDraft(title=title, description="details", priority=priority, **extra)  # type: ignore[arg-type]
    return await tasks.create_task(runtime.ctx, OPERATOR, draft)


async def sees_card_in(user: User, status: TaskStatus, task_id: int) -> None:
    with user.scope(marker=f"column-{status}"):
        await user.should_see(marker=f"card-{task_id}", retries=WAIT)


async def log_in(user: User) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.should_see(marker="column-ready")


def count_of(user: User, status: TaskStatus) -> str:
    (badge,) = user.find(marker=f"count-{status}").elements
    assert isinstance(badge, ui.badge)
    return str(badge.text)


async def test_board_shows_a_column_per_status_with_counts_and_cards(
    user: User, board_runtime: Runtime
) -> None:
    ready = await add_task(board_runtime, "Write the report", tags=["docs"])
    intake = await add_task(board_runtime, "Vague idea", priority=None)
    await log_in(user)
    for status in TaskStatus:
        await user.should_see(marker=f"column-{status}")
    await sees_card_in(user, TaskStatus.READY, ready.id)
    await sees_card_in(user, TaskStatus.INTAKE, intake.id)
    await user.should_see("Write the report")
    await user.should_see("P3")
    await user.should_see("docs")
    assert count_of(user, TaskStatus.READY) == "1"
    assert count_of(user, TaskStatus.DONE) == "0"


async def test_operator_creates_a_task_in_the_new_task_dialog(
    user: User, board_runtime: Runtime
) -> None:
    await log_in(user)
    user.find(marker="new-task").click()
    user.find(marker="new-title").type("Ship the board")
    user.find(marker="new-description").type("NiceGUI pages")
    user.find(marker="new-priority").click()
    user.find("P2").click()
    user.find(marker="new-tags").type("ui, web")
    user.find(marker="new-create").click()
    await user.should_see("Ship the board", retries=WAIT)
    await user.should_see("created", retries=WAIT)  # the notification: the row is committed
    page = await queries.list_tasks(queries.TaskQuery(text="Ship the board"))
    (task,) = page.tasks
    assert (task.status, task.priority, task.tags) == (TaskStatus.READY, 2, ("ui", "web"))
    await sees_card_in(user, TaskStatus.READY, task.id)


async def test_new_task_without_a_title_is_refused_and_nothing_is_created(
    user: User, board_runtime: Runtime
) -> None:
    await log_in(user)
    user.find(marker="new-task").click()
    user.find(marker="new-create").click()
    await user.should_see("title", retries=WAIT)
    assert (await queries.list_tasks(queries.TaskQuery())).total == 0


async def test_dropping_a_card_on_a_legal_column_moves_the_task(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Old plan")
    await log_in(user)
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-cancelled").trigger("drop")
    await user.should_see(marker="confirm-close", retries=WAIT)
    user.find(marker="close-confirm").click()
    with user.scope(marker="column-ready"):
        await user.should_not_see(marker=f"card-{task.id}", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.CANCELLED
    await user.should_see("Task #1 is cancelled")
    assert count_of(user, TaskStatus.CANCELLED) == "1"


async def test_illegal_drop_snaps_back_and_says_why(user: User, board_runtime: Runtime) -> None:
    task = await add_task(board_runtime, "Needs review first")
    await log_in(user)
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-done").trigger("drop")
    await user.should_see(marker="confirm-close", retries=WAIT)
    user.find(marker="close-confirm").click()
    await user.should_see("cannot move from ready to done", retries=WAIT)
    await sees_card_in(user, TaskStatus.READY, task.id)
    after = await queries.get_task(task.id)
    assert (after.status, after.version) == (TaskStatus.READY, task.version)


async def test_dropping_on_blocked_asks_for_the_reason(user: User, board_runtime: Runtime) -> None:
    task = await add_task(board_runtime, "Waits for keys")
    await log_in(user)
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-blocked").trigger("drop")
    await user.should_see(marker="block-reason", retries=WAIT)
    user.find(marker="block-reason").type("waiting for the API keys")
    user.find(marker="block-confirm").click()
    await sees_card_in(user, TaskStatus.BLOCKED, task.id)
    assert (await queries.get_task(task.id)).block_reason == "waiting for the API keys"


async def test_viewer_cannot_drag_cards(user: User, board_runtime: Runtime) -> None:
    from mission_control.domain.actors import Role
    from mission_control.services.auth import issue_token

    task = await add_task(board_runtime, "Look, don't touch")
    token = await issue_token(board_runtime.ctx, Role.VIEWER, "watcher")
    await user.open(f"/login?token={token}")
    await sees_card_in(user, TaskStatus.READY, task.id)
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-cancelled").trigger("drop")
    await sees_card_in(user, TaskStatus.READY, task.id)
    assert (await queries.get_task(task.id)).status is TaskStatus.READY


async def test_filters_narrow_the_board_by_text_tag_and_assignee(
    user: User, board_runtime: Runtime
) -> None:
    api = await add_task(board_runtime, "Fix the API", tags=["api"])
    docs = await add_task(board_runtime, "Write the docs", tags=["docs"])
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    await tasks.assign_task(board_runtime.ctx, OPERATOR, docs.id, "dev")
    await log_in(user)
    user.find(marker="filter-tag").type("api")
    user.find(marker="filter-apply").click()
    await user.should_not_see(marker=f"card-{docs.id}", retries=WAIT)
    await user.should_see(marker=f"card-{api.id}")
    user.find(marker="filter-tag").clear()
    user.find(marker="filter-assignee").type("dev")
    user.find(marker="filter-apply").click()
    await user.should_not_see(marker=f"card-{api.id}", retries=WAIT)
    await user.should_see(marker=f"card-{docs.id}")
    user.find(marker="filter-assignee").clear()
    user.find(marker="filter-text").type("docs")
    user.find(marker="filter-apply").click()
    await user.should_see(marker=f"card-{docs.id}", retries=WAIT)
    await user.should_not_see(marker=f"card-{api.id}")


async def test_a_long_column_shows_its_first_cards_and_loads_more(
    user: User, board_runtime: Runtime
) -> None:
    created = [await add_task(board_runtime, f"Task {n}") for n in range(35)]
    await log_in(user)
    # One priority: the oldest first, as agents would claim them.
    await sees_card_in(user, TaskStatus.READY, created[0].id)
    assert count_of(user, TaskStatus.READY) == "35"
    await user.should_not_see(marker=f"card-{created[-1].id}")
    user.find(marker="more-ready").click()
    await sees_card_in(user, TaskStatus.READY, created[-1].id)


async def test_changes_made_elsewhere_appear_without_reload(
    user: User, board_runtime: Runtime
) -> None:
    await log_in(user)
    task = await add_task(board_runtime, "Arrives live")
    await sees_card_in(user, TaskStatus.READY, task.id)
    _, token = await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    dev = agent_actor("dev")
    await claims.claim_task(board_runtime.ctx, dev, task.id)
    await claims.report_progress(board_runtime.ctx, dev, task.id, 40)
    await sees_card_in(user, TaskStatus.IN_PROGRESS, task.id)
    with user.scope(marker=f"card-{task.id}"):
        await user.should_see("dev", retries=WAIT)
        await user.should_see(kind=ui.linear_progress, retries=WAIT)
    with user.scope(marker="column-ready"):
        await user.should_not_see(marker=f"card-{task.id}")
    assert token


async def test_two_browsers_see_each_others_changes(
    user: User, create_user: Callable[[], User], board_runtime: Runtime
) -> None:
    other = create_user()
    await log_in(user)
    await log_in(other)
    task = await add_task(board_runtime, "Shared view")
    await sees_card_in(other, TaskStatus.READY, task.id)
    await sees_card_in(user, TaskStatus.READY, task.id)
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-blocked").trigger("drop")
    await user.should_see(marker="block-reason", retries=WAIT)
    user.find(marker="block-reason").type("waiting on legal")
    user.find(marker="block-confirm").click()
    await sees_card_in(other, TaskStatus.BLOCKED, task.id)


async def test_actions_stop_working_once_the_session_is_gone(
    user: User, board_runtime: Runtime
) -> None:
    from mission_control.models import BoardSession

    task = await add_task(board_runtime, "Not after logout")
    await log_in(user)
    await BoardSession.all().delete()  # the session is gone, as after a logout elsewhere
    user.find(marker=f"card-{task.id}").trigger("dragstart")
    user.find(marker="column-cancelled").trigger("drop")
    await user.should_see(marker="confirm-close", retries=WAIT)
    user.find(marker="close-confirm").click()
    await user.should_see(marker="login", retries=WAIT)
    after = await queries.get_task(task.id)
    assert (after.status, after.version) == (TaskStatus.READY, task.version)


async def test_priority_filter_keeps_only_that_priority(user: User, board_runtime: Runtime) -> None:
    urgent = await add_task(board_runtime, "Urgent", priority=1)
    later = await add_task(board_runtime, "Later", priority=4)
    await log_in(user)
    await user.should_see(marker=f"card-{later.id}")
    (select,) = user.find(marker="filter-priority").elements
    assert isinstance(select, ui.select)
    with user:
        select.value = 1  # what picking "P1" in the drop-down does
    await user.should_not_see(marker=f"card-{later.id}", retries=WAIT)
    await user.should_see(marker=f"card-{urgent.id}")
    assert count_of(user, TaskStatus.READY) == "1"
