"""The task page: edit fields, history newest first, subtasks, block/unblock, review, reassign."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, moves, tasks
from mission_control.store import queries
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_board import WAIT, add_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def open_task(user: User, task_id: int) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.open(f"/task/{task_id}")
    await user.should_see(marker="task-title")


async def in_review(runtime: Runtime, title: str) -> int:
    task = await add_task(runtime, title)
    await agents.register_agent(runtime.ctx, OPERATOR, "dev")
    dev = agent_actor("dev")
    await claims.claim_task(runtime.ctx, dev, task.id)
    await moves.submit_for_review(runtime.ctx, dev, task.id, "done it")
    return task.id


async def test_operator_edits_a_task_and_history_shows_it_first(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Draft")
    await open_task(user, task.id)
    user.find(marker="edit-title").clear().type("Final title")
    user.find(marker="edit-tags").clear().type("api, docs")
    user.find(marker="edit-save").click()
    await user.should_see("#1 · Final title", retries=WAIT)
    saved = await queries.get_task(task.id)
    assert (saved.title, saved.tags) == ("Final title", ("api", "docs"))
    history = await queries.task_history(task.id)
    assert history[-1].kind is EventKind.UPDATED
    await user.should_see(marker=f"event-{history[-1].id}")
    (newest,) = user.find(marker=f"event-{history[-1].id}").elements
    (oldest,) = user.find(marker=f"event-{history[0].id}").elements
    assert newest.id < oldest.id, "the newest Event is drawn first"


async def test_block_needs_a_reason_then_unblock_makes_it_ready(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Stuck")
    await open_task(user, task.id)
    user.find(marker="block").click()
    await user.should_see("Blocking a task needs a reason", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.READY
    user.find(marker="action-reason").type("waiting on legal")
    user.find(marker="block").click()
    await user.should_see("blocked: waiting on legal", retries=WAIT)
    await user.should_see("reason: waiting on legal")
    user.find("Unblock").click()
    await user.should_see("status: ready", retries=WAIT)
    assert (await queries.get_task(task.id)).status is TaskStatus.READY


async def test_operator_approves_work_under_review(user: User, board_runtime: Runtime) -> None:
    task_id = await in_review(board_runtime, "Review me")
    await open_task(user, task_id)
    user.find("Approve").click()
    await user.should_see("status: done", retries=WAIT)
    assert (await queries.get_task(task_id)).status is TaskStatus.DONE


async def test_rejecting_needs_feedback_and_sends_the_work_back(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await in_review(board_runtime, "Try again")
    await open_task(user, task_id)
    user.find(marker="reject").click()
    user.find(marker="reject-confirm").click()
    await user.should_see("Rejecting work needs feedback", retries=WAIT)
    assert (await queries.get_task(task_id)).status is TaskStatus.REVIEW
    user.find(marker="reject-feedback").type("add tests")
    user.find(marker="reject-confirm").click()
    await user.should_see("status: in_progress", retries=WAIT)
    assert (await queries.get_task(task_id)).feedback == "add tests"


async def test_operator_reassigns_a_task_and_unknown_agents_are_refused(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Route me")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "writer")
    await open_task(user, task.id)
    user.find(marker="assign-agent").type("nobody-here")
    user.find(marker="assign").click()
    await user.should_see("nobody-here", retries=WAIT)
    assert (await queries.get_task(task.id)).assignee is None
    user.find(marker="assign-agent").clear().type("writer")
    user.find(marker="assign").click()
    await user.should_see("assignee: writer", retries=WAIT)


async def test_subtasks_are_listed_and_live_changes_redraw_the_page(
    user: User, board_runtime: Runtime
) -> None:
    parent = await add_task(board_runtime, "Epic")
    await open_task(user, parent.id)
    await user.should_see("Subtasks (0)")
    await add_task(board_runtime, "Piece one", parent_id=parent.id)
    await tasks.update_task(board_runtime.ctx, OPERATOR, parent.id, tasks.TaskEdit(title="Epic 2"))
    await user.should_see("#1 · Epic 2", retries=WAIT)
    await user.should_see("Subtasks (1)")
    await user.should_see("Piece one")


async def test_unknown_task_says_so(user: User, board_runtime: Runtime) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.open("/task/999")
    await user.should_see(marker="not-found")


async def test_viewer_reads_a_task_but_gets_no_controls(user: User, board_runtime: Runtime) -> None:
    from mission_control.domain.actors import Role
    from mission_control.services.auth import issue_token

    task = await add_task(board_runtime, "Read only")
    token = await issue_token(board_runtime.ctx, Role.VIEWER, "watcher")
    await user.open(f"/login?token={token}")
    await user.open(f"/task/{task.id}")
    await user.should_see("#1 · Read only")
    await user.should_see(marker=f"event-{(await queries.task_history(task.id))[0].id}")
    await user.should_not_see(marker="edit-save")
    await user.should_not_see(marker="block")
    await user.should_not_see(marker="assign")


async def test_operator_previews_edits_and_accepts_a_decomposition(
    user: User, board_runtime: Runtime
) -> None:
    draft = tasks.TaskDraft("Ship v2", "Steps:\n1. Write the notes\n2. Tag the release", 2)
    task = await tasks.create_task(board_runtime.ctx, OPERATOR, draft)
    await open_task(user, task.id)
    user.find(marker="decompose").click()
    await user.should_see(marker="decompose-dialog", retries=WAIT)
    assert await queries.subtasks(task.id) == [], "the preview writes nothing"
    user.find(marker="subtask-0").clear().type("Write the release notes")
    user.find(marker="decompose-accept").click()
    await user.should_see("Created 2 subtasks", retries=WAIT)
    children = await queries.subtasks(task.id)
    assert [child.title for child in children] == ["Write the release notes", "Tag the release"]


async def test_a_task_without_a_list_is_not_decomposed(user: User, board_runtime: Runtime) -> None:
    task = await add_task(board_runtime, "Plain")
    await open_task(user, task.id)
    user.find(marker="decompose").click()
    await user.should_see("has no checklist, numbered or bulleted lines", retries=WAIT)
    await user.should_not_see(marker="decompose-dialog")
    assert await queries.subtasks(task.id) == []
