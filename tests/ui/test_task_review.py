"""Reviewing on the task page: the result as safe markdown, attempts with feedback and usage,
the comment thread, Approve / Reject / Cancel / Reopen, local times, friendly missing pages."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.events import EventKind
from mission_control.domain.usage import UsageReport
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, comments, moves, usage_reports
from mission_control.store import queries
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_board import WAIT, add_task
from tests.ui.test_task_page import open_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")

HOSTILE_RESULT = """# Parser fixed

- tabs are **spaces** now
<script>alert('owned')</script>
<img src=x onerror="alert(1)">
[click me](javascript:alert(2)) [docs](https://example.com/guide)
![pixel](javascript:alert(3))
"""


async def worked(runtime: Runtime, title: str, result: str = "done it") -> int:
    task = await add_task(runtime, title)
    await agents.register_agent(runtime.ctx, OPERATOR, "dev")
    dev = agent_actor("dev")
    await claims.claim_task(runtime.ctx, dev, task.id)
    await claims.report_progress(runtime.ctx, dev, task.id, 40, "lexer done")
    await usage_reports.report_usage(
        runtime.ctx, dev, task.id, UsageReport(tokens=1200, cost_micro_usd=20_000, model="m")
    )
    await moves.submit_for_review(runtime.ctx, dev, task.id, result)
    return task.id


def only(user: User, marker: str) -> ui.element:
    (element,) = user.find(marker=marker).elements
    return element


async def test_the_result_is_markdown_with_its_html_escaped_and_no_script_links(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await worked(board_runtime, "Fix the parser", HOSTILE_RESULT)
    await open_task(user, task_id)
    await user.should_see(marker="task-result")
    body = only(user, "task-result-body")
    assert isinstance(body, ui.html)
    html = str(body.content)
    assert "<h1>Parser fixed</h1>" in html and "<strong>spaces</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "javascript:" not in html.lower()
    assert 'href="https://example.com/guide"' in html


async def test_attempts_show_their_feedback_usage_and_time(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await worked(board_runtime, "Twice")
    await moves.reject_task(board_runtime.ctx, OPERATOR, task_id, "add the totals")
    await moves.submit_for_review(board_runtime.ctx, agent_actor("dev"), task_id, "with totals")
    await open_task(user, task_id)
    await user.should_see("Attempts (2)")
    with user.scope(marker="attempt-1"):
        await user.should_see("submitted for review")
        await user.should_see("rejected")
        await user.should_see("1,200 tokens · $0.02")
    with user.scope(marker="attempt-2"):
        await user.should_see("feedback it started with: add the totals")
        await user.should_see("0 tokens")


async def test_operator_comments_and_an_agents_reply_arrives_live(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await worked(board_runtime, "Talk about it")
    await open_task(user, task_id)
    await user.should_see("Comments (0)")
    user.find(marker="comment-body").type("Where are the **totals**?")
    user.find(marker="comment-send").click()
    await user.should_see("Comments (1)", retries=WAIT)
    (said,) = (await comments.comments_of([task_id]))[task_id]
    assert (said.author, said.body) == ("operator", "Where are the **totals**?")
    assert (await queries.task_history(task_id))[-1].kind is EventKind.COMMENTED
    typed = only(user, "comment-body")
    assert isinstance(typed, ui.textarea) and typed.value == ""

    user.find(marker="comment-body").type("half-written")
    await comments.add_comment(board_runtime.ctx, agent_actor("dev"), task_id, "In the appendix")
    await user.should_see("Comments (2)", retries=WAIT)
    await user.should_see("agent:dev")
    draft = only(user, "comment-body")
    assert isinstance(draft, ui.textarea) and draft.value == "half-written", "kept on redraw"


async def test_an_empty_or_too_long_comment_is_refused_and_nothing_is_added(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Quiet")
    await open_task(user, task.id)
    user.find(marker="comment-send").click()
    await user.should_see("A comment needs some text", retries=WAIT)
    user.find(marker="comment-body").type("x" * 4001)
    user.find(marker="comment-send").click()
    await user.should_see("at most 4000 characters", retries=WAIT)
    assert (await comments.comments_of([task.id]))[task.id] == []


async def test_cancel_asks_first_and_reopen_brings_the_task_back(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Maybe later")
    await open_task(user, task.id)
    user.find(marker="cancel").click()
    await user.should_see("You can reopen it later")
    assert (await queries.get_task(task.id)).status is TaskStatus.READY, "nothing before OK"
    user.find(marker="cancel-reason").type("not this quarter")
    user.find(marker="cancel-confirm").click()
    await user.should_see("status: cancelled", retries=WAIT)
    await user.should_see("reason: not this quarter")
    await user.should_not_see(marker="cancel")
    user.find(marker="reopen").click()
    await user.should_see("status: ready", retries=WAIT)
    assert (await queries.task_history(task.id))[-1].kind is EventKind.REOPENED


async def test_approve_from_the_review_bar(user: User, board_runtime: Runtime) -> None:
    task_id = await worked(board_runtime, "Good work")
    await open_task(user, task_id)
    with user.scope(marker="review-bar"):
        user.find("Approve").click()
    await user.should_see("status: done", retries=WAIT)
    await user.should_see(marker="reopen")


async def test_times_are_relative_with_the_exact_instant_for_the_browser(
    user: User, board_runtime: Runtime
) -> None:
    task = await add_task(board_runtime, "Timed")
    await open_task(user, task.id)
    with user.scope(marker="task-created"):
        await user.should_see("just now")
    stamped = [e for e in user.find(kind=ui.label).elements if "data-time" in e.props]
    assert stamped, "times carry their instant for the browser's local rendering"
    assert all(str(e.props["data-time"]).endswith("+00:00") for e in stamped)
    assert all(str(e.props["title"]).endswith("UTC") for e in stamped)


async def test_history_rows_show_the_progress_value_and_note(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await worked(board_runtime, "Progressing")
    await open_task(user, task_id)
    await user.should_see("progress 40% · lexer done")
    await user.should_see("1,200 tokens · $0.02")


@pytest.mark.parametrize("ref", ["abc", "99999", "-1", "1e3"])
async def test_a_bad_or_unknown_task_address_is_a_friendly_page(
    user: User, board_runtime: Runtime, ref: str
) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.open(f"/task/{ref}")
    await user.should_see("No such task")
    await user.should_see(marker="back-to-board")
    await user.should_see("does not exist")


async def test_the_verdict_buttons_stay_put_while_events_arrive_so_a_click_lands(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await worked(board_runtime, "Busy review")
    await open_task(user, task_id)
    approve = only(user, "approve")
    dev = agent_actor("dev")
    for n in range(20):  # a burst of Events on this task: every one redraws the page's parts
        await comments.add_comment(board_runtime.ctx, dev, task_id, f"note {n}")
    await user.should_see("Comments (20)", retries=WAIT)
    assert only(user, "approve") is approve and not approve.is_deleted, "not rebuilt"
    user.find(marker="approve").click()
    await user.should_see("status: done", retries=WAIT)
    assert (await queries.get_task(task_id)).status is TaskStatus.DONE
    assert not approve.visible and not approve.is_deleted
    await user.should_see(marker="reopen")
