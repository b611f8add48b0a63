"""The task page's fields keep what the operator types while the task changes under them: an
untouched field follows the live update, a draft stays, and a draft over a value someone else
changed meanwhile is flagged and its Save refused."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, tasks
from mission_control.store import queries
from tests.ui.test_board import WAIT, add_task
from tests.ui.test_task_page import open_task
from tests.ui.test_task_review import only

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


def value_of(user: User, marker: str) -> object:
    element = only(user, marker)
    assert isinstance(element, ui.input | ui.textarea | ui.select)
    return element.value


async def sees_latest_event(user: User, task_id: int) -> None:
    newest = (await queries.task_history(task_id))[-1]
    await user.should_see(marker=f"event-{newest.id}", retries=WAIT)


async def test_typing_in_title_and_description_survives_twenty_live_updates(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Draft")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "dev")
    dev = agent_actor("dev")
    await claims.claim_task(board_runtime.ctx, dev, task.id)
    await open_task(user, task.id)
    title, description = only(user, "edit-title"), only(user, "edit-description")
    user.find(marker="edit-title").clear().type("Half a new ti")
    user.find(marker="edit-description").clear().type("What I am in the middle of")
    for step in range(1, 21):  # 20 Events, each a new version of the task
        await claims.report_progress(board_runtime.ctx, dev, task.id, step * 4, f"step {step}")
    await user.should_see("progress: 80%", retries=WAIT)
    assert only(user, "edit-title") is title and not title.is_deleted, "not rebuilt"
    assert value_of(user, "edit-title") == "Half a new ti"
    assert value_of(user, "edit-description") == "What I am in the middle of"
    await user.should_not_see(marker="edit-changed")

    user.find(marker="edit-title").type("tle")
    user.find(marker="edit-save").click()
    await user.should_see("#1 · Half a new title", retries=WAIT)
    saved = await queries.get_task(task.id)
    assert (saved.title, saved.description) == ("Half a new title", "What I am in the middle of")
    assert saved.progress == 80, "progress is no field of the editor: no conflict, not undone"
    assert only(user, "edit-description") is description


async def test_an_untouched_field_follows_the_update_and_the_draft_stays(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Original")
    await open_task(user, task.id)
    user.find(marker="edit-title").clear().type("My title")
    edit = tasks.TaskEdit(description="Their description", priority=1, tags=["api"])
    await tasks.update_task(board_runtime.ctx, OPERATOR, task.id, edit)
    await sees_latest_event(user, task.id)
    assert value_of(user, "edit-description") == "Their description"
    assert (value_of(user, "edit-priority"), value_of(user, "edit-tags")) == (1, "api")
    assert value_of(user, "edit-title") == "My title"
    await user.should_not_see(marker="edit-changed")

    user.find(marker="edit-save").click()
    await user.should_see("#1 · My title", retries=WAIT)
    saved = await queries.get_task(task.id)
    assert (saved.title, saved.description, saved.priority, saved.tags) == (
        "My title",
        "Their description",
        1,
        ("api",),
    )


async def test_saving_over_a_concurrent_change_is_refused_and_the_page_offers_a_reload(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Original")
    await open_task(user, task.id)
    user.find(marker="edit-title").clear().type("Mine")
    await tasks.update_task(board_runtime.ctx, OPERATOR, task.id, tasks.TaskEdit(title="Theirs"))
    await user.should_see("#1 · Theirs", retries=WAIT)
    await user.should_see(marker="edit-changed", retries=WAIT)
    await user.should_see("The title changed while you were editing")
    assert value_of(user, "edit-title") == "Mine", "the draft is kept"

    user.find(marker="edit-save").click()
    await user.should_see("someone changed it since you read it", retries=WAIT)
    assert (await queries.get_task(task.id)).title == "Theirs", "nothing overwritten"
    assert value_of(user, "edit-title") == "Mine"

    user.find(marker="edit-reload").click()
    await user.should_not_see(marker="edit-changed", retries=WAIT)
    assert value_of(user, "edit-title") == "Theirs"
    user.find(marker="edit-tags").clear().type("after, reload")
    user.find(marker="edit-save").click()
    await user.should_see("Saved", retries=WAIT)
    assert (await queries.get_task(task.id)).tags == ("after", "reload")


async def test_keep_mine_saves_the_draft_over_the_concurrent_change(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Original")
    await open_task(user, task.id)
    user.find(marker="edit-description").clear().type("My version")
    edit = tasks.TaskEdit(description="Their version")
    await tasks.update_task(board_runtime.ctx, OPERATOR, task.id, edit)
    await user.should_see("The description changed while you were editing", retries=WAIT)
    user.find(marker="edit-keep").click()
    await user.should_not_see(marker="edit-changed", retries=WAIT)
    user.find(marker="edit-save").click()
    await user.should_see("Saved", retries=WAIT)
    assert (await queries.get_task(task.id)).description == "My version"


async def test_block_reason_and_assignee_being_typed_survive_live_updates(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Busy")
    await agents.register_agent(board_runtime.ctx, OPERATOR, "writer")
    await open_task(user, task.id)
    reason, agent = only(user, "action-reason"), only(user, "assign-agent")
    user.find(marker="action-reason").type("waiting on le")
    user.find(marker="assign-agent").type("wri")
    for n in range(20):
        edit = tasks.TaskEdit(tags=[f"t{n}"])
        await tasks.update_task(board_runtime.ctx, OPERATOR, task.id, edit)
    await sees_latest_event(user, task.id)
    assert only(user, "action-reason") is reason and only(user, "assign-agent") is agent
    assert (value_of(user, "action-reason"), value_of(user, "assign-agent")) == (
        "waiting on le",
        "wri",
    )
    assert value_of(user, "edit-tags") == "t19", "untouched: follows the task"
    await user.should_not_see(marker="assign-changed")

    await tasks.assign_task(board_runtime.ctx, OPERATOR, task.id, "writer")
    await user.should_see("Meanwhile assigned to writer.", retries=WAIT)
    assert value_of(user, "assign-agent") == "wri"
    user.find(marker="action-reason").type("gal")
    user.find(marker="block").click()
    await user.should_see("blocked: waiting on legal", retries=WAIT)
    assert value_of(user, "action-reason") == "", "sent: the input is ready for the next one"
    await user.should_see(marker="unblock")
    await user.should_not_see(marker="block")
