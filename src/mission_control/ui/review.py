"""Reviewing a task in place: its result, its attempts, the comment thread and the operator's
verdict (approve, reject with feedback, cancel, reopen)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from mission_control.domain.actors import Actor
from mission_control.domain.attempts import Attempt
from mission_control.domain.workflow import OPEN_STATUSES, TERMINAL_STATUSES, TaskStatus
from mission_control.services import comments, moves
from mission_control.services.comments import CommentView
from mission_control.store.views import TaskView
from mission_control.ui.clock import local_time
from mission_control.ui.markdown_view import markdown_block
from mission_control.ui.session import Session

Act = Callable[[Callable[[Actor], Awaitable[object]], str], Awaitable[bool]]


def duration_text(seconds: float | None) -> str:
    """'45 s', '12 min', '1 h 05 min'; 'running' while the attempt goes on."""
    if seconds is None:
        return "running"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min"
    return f"{whole // 3600} h {whole % 3600 // 60:02} min"


def result_section(task: TaskView) -> None:
    """What the agent handed in, as safe markdown."""
    if not task.result:
        return
    with ui.card().classes("w-full gap-1").mark("task-result"):
        ui.label("Result").classes("font-bold")
        markdown_block(task.result).mark("task-result-body")


def attempts_section(attempts: list[Attempt]) -> None:
    """Each attempt: who, when, how long, how it ended, what it cost, the feedback it got."""
    if not attempts:
        return
    ui.label(f"Attempts ({len(attempts)})").classes("font-bold mt-2")
    for attempt in reversed(attempts):
        with ui.column().classes("gap-0 w-full").mark(f"attempt-{attempt.number}"):
            with ui.row().classes("gap-2 items-center text-sm"):
                ui.label(f"#{attempt.number} · {attempt.agent or 'unknown agent'} ·")
                local_time(attempt.started_at)
                ui.label(f"· {duration_text(attempt.seconds)} · {attempt.outcome}")
                if attempt.review:
                    color = "positive" if attempt.review == "approved" else "warning"
                    ui.badge(attempt.review, color=color)
            cost = f"{attempt.tokens:,} tokens · ${attempt.cost_usd:,.2f}"
            ui.label(cost).classes("text-xs mc-muted").mark(f"attempt-usage-{attempt.number}")
            if attempt.feedback:
                ui.label(f"feedback it started with: {attempt.feedback}").classes(
                    "text-xs text-warning"
                )
            if attempt.detail:
                ui.label(attempt.detail).classes("text-xs mc-muted whitespace-pre-wrap")


def comment_thread(found: list[CommentView]) -> None:
    """The conversation on the task, oldest first."""
    ui.label(f"Comments ({len(found)})").classes("font-bold mt-2")
    if not found:
        ui.label("No comments yet.").classes("text-sm mc-muted")
    for comment in found:
        with ui.column().classes("gap-0 w-full").mark(f"comment-{comment.id}"):
            with ui.row().classes("gap-2 items-center text-sm"):
                ui.label(comment.author).classes("font-medium")
                local_time(comment.created_at)
            markdown_block(comment.body).classes("text-sm")


class ReviewControls:
    """The verdict buttons and the comment form. Built once per page, outside the part that
    redraws on every Event, so typed feedback or a half-written comment is never lost."""

    def __init__(self, session: Session, task_id: int, act: Act) -> None:
        self.session, self.task_id, self.act = session, task_id, act
        ctx = session.runtime.ctx
        with ui.dialog() as self.reject_dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label("Send the work back: what should the agent change?")
            self.feedback = ui.textarea("Feedback").classes("w-full").mark("reject-feedback")
            with ui.row():
                ui.button("Reject", on_click=self._reject).props("color=warning").mark(
                    "reject-confirm"
                )
                ui.button("Keep it", on_click=self.reject_dialog.close).props("flat")
        with ui.dialog() as self.cancel_dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(f"Cancel task #{task_id}? It leaves the board's open columns.")
            ui.label("You can reopen it later.").classes("text-sm mc-muted")
            self.cancel_reason = ui.input("Reason (optional)").classes("w-full")
            self.cancel_reason.mark("cancel-reason")
            with ui.row():
                ui.button("Cancel the task", on_click=self._cancel).props("color=negative").mark(
                    "cancel-confirm"
                )
                ui.button("Keep it", on_click=self.cancel_dialog.close).props("flat")
        self.ctx = ctx

    async def _reject(self) -> None:
        text = self.feedback.value or ""

        async def reject(actor: Actor) -> TaskView:
            return await moves.reject_task(self.ctx, actor, self.task_id, text)

        if await self.act(reject, "Sent back with your feedback"):
            self.feedback.value = ""
            self.reject_dialog.close()

    async def _cancel(self) -> None:
        reason = self.cancel_reason.value or None

        async def cancel(actor: Actor) -> TaskView:
            return await moves.cancel_task(self.ctx, actor, self.task_id, reason)

        if await self.act(cancel, "Cancelled"):
            self.cancel_reason.value = ""
            self.cancel_dialog.close()

    def bar(self) -> None:
        """The verdict buttons, built once: Events only show or hide them (`show`), so a
        click is never lost to a redraw while Events arrive."""
        ctx, task_id = self.ctx, self.task_id

        async def approve(actor: Actor) -> TaskView:
            return await moves.approve_task(ctx, actor, task_id)

        async def reopen(actor: Actor) -> TaskView:
            return await moves.reopen_task(ctx, actor, task_id)

        with ui.row().classes("gap-2 items-center").mark("review-bar"):
            self.approve = ui.button(
                "Approve", icon="check", on_click=lambda: self.act(approve, "Approved")
            ).mark("approve")
            self.reject = ui.button(
                "Reject with feedback", icon="undo", on_click=self.reject_dialog.open
            )
            self.reject.props("color=warning").mark("reject")
            self.cancel = ui.button("Cancel task", icon="close", on_click=self.cancel_dialog.open)
            self.cancel.props("outline color=negative").mark("cancel")
            self.reopen = ui.button(
                "Reopen", icon="replay", on_click=lambda: self.act(reopen, "Reopened")
            ).mark("reopen")

    def show(self, task: TaskView) -> None:
        """Show the verdicts that fit the task's status now."""
        status = task.status
        self.approve.set_visibility(status is TaskStatus.REVIEW)
        self.reject.set_visibility(status is TaskStatus.REVIEW)
        self.cancel.set_visibility(status in OPEN_STATUSES | {TaskStatus.BLOCKED})
        self.reopen.set_visibility(status in TERMINAL_STATUSES)

    def comment_form(self) -> None:
        body = ui.textarea("Add a comment (markdown)").classes("w-full").mark("comment-body")
        body.props("autogrow")

        async def send() -> None:
            text = body.value or ""

            async def comment(actor: Actor) -> CommentView:
                return await comments.add_comment(self.ctx, actor, self.task_id, text)

            if await self.act(comment, "Comment added"):
                body.value = ""

        ui.button("Comment", icon="send", on_click=send).mark("comment-send")
