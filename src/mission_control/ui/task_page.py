"""The page of one task: the work to review (result, attempts, comments), its fields, history,
subtasks and the operator's moves on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor
from mission_control.domain.attempts import Attempt, attempts_of
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.domain.usage import Totals
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services.comments import CommentView, comments_of
from mission_control.store import queries
from mission_control.store.usage import task_totals
from mission_control.store.views import TaskView
from mission_control.ui.cards import PRIORITY_COLORS, usage_text
from mission_control.ui.clock import local_time
from mission_control.ui.live import LiveFeed
from mission_control.ui.markdown_view import markdown_block
from mission_control.ui.review import (
    ReviewControls,
    attempts_section,
    comment_thread,
    result_section,
)
from mission_control.ui.session import Session, header, open_session, to_login
from mission_control.ui.task_fields import TaskActions, TaskFields

TaskAction = Callable[[Actor], Awaitable[object]]


@dataclass
class TaskSnapshot:
    task: TaskView
    children: list[TaskView]
    events: list[EventRecord]
    usage: Totals = field(default_factory=Totals)
    comments: list[CommentView] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)


class TaskDetail:
    """Draws the task and redraws it whenever one of its Events arrives."""

    def __init__(self, session: Session, task_id: int) -> None:
        self.session = session
        self.task_id = task_id
        self.ctx = session.runtime.ctx
        # A redraw awaits reads between clearing and drawing; two at once would draw twice.
        self._drawing = asyncio.Lock()
        self.review = ReviewControls(session, task_id, self.act) if session.can_write else None
        self.fields: TaskFields | None = None
        self.actions: TaskActions | None = None

    async def fetch(self) -> TaskSnapshot | None:
        """Read first, draw after: a redraw swaps content without an empty moment."""
        try:
            task = await queries.get_task(self.task_id)
        except NotFound:
            return None
        events = await queries.task_history(self.task_id)
        return TaskSnapshot(
            task,
            await queries.subtasks(self.task_id),
            events,
            await task_totals(self.task_id),
            (await comments_of([self.task_id]))[self.task_id],
            attempts_of(events),
        )

    async def act(self, action: TaskAction, done: str) -> bool:
        if await self.session.run(action) is None:
            return False
        ui.notify(done, type="positive")
        await self.redraw()
        return True

    async def on_events(self, events: list[EventRecord]) -> None:
        await self.redraw()

    def build(self, snapshot: TaskSnapshot | None) -> None:
        """The page's layout: parts that redraw with the task around controls that stay and
        update in place (the comment form and the fields keep what is typed while Events
        arrive)."""
        self.show(snapshot)
        if snapshot is None:
            return
        if self.review is not None:
            self.review.bar()
            self.review.show(snapshot.task)
        with ui.row().classes("mc-stack w-full items-start gap-6 no-wrap"):
            with ui.column().classes("w-[36rem] shrink-0"):
                self.work(snapshot)
                if self.review is not None:
                    with ui.column().classes("w-full gap-1").mark("comment-form"):
                        self.review.comment_form()
                if self.session.can_write:
                    self.fields = TaskFields(self.session, snapshot.task, self.act, self.redraw)
                    self.actions = TaskActions(self.session, snapshot.task, self.act, self.redraw)
                self.details(snapshot)
            with ui.column().classes("grow min-w-0"):
                self.history(snapshot)

    async def redraw(self) -> None:
        async with self._drawing:
            snapshot = await self.fetch()
            for part in (self.show, self.work, self.details, self.history):
                part.refresh(snapshot)
            if snapshot is None:
                return
            task = snapshot.task
            for controls in (self.review, self.fields, self.actions):
                if controls is not None:
                    controls.show(task)

    @ui.refreshable_method
    def show(self, snapshot: TaskSnapshot | None) -> None:
        if snapshot is None:
            missing_task(str(self.task_id))
            return
        task = snapshot.task
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(f"#{task.id} · {task.title}").classes("text-xl font-bold").mark("task-title")
            ui.badge(str(task.status).replace("_", " ")).mark("task-status-badge")
            if task.priority is not None:
                ui.badge(f"P{task.priority}", color=PRIORITY_COLORS.get(task.priority, "grey"))
        with ui.row().classes("gap-x-4 gap-y-0 mc-muted items-center text-sm"):
            ui.label(f"status: {task.status}").mark("task-status")
            ui.label(f"assignee: {task.assignee or 'nobody'}").mark("task-assignee")
            ui.label(f"progress: {task.progress}%")
            with ui.row().classes("gap-1 items-center").mark("task-created"):
                ui.label("created")
                local_time(task.created_at)
            with ui.row().classes("gap-1 items-center"):
                ui.label("updated")
                local_time(task.updated_at)
            ui.label(usage_text(snapshot.usage)).mark("task-usage")
        if task.stuck_since is not None and task.status is TaskStatus.IN_PROGRESS:
            with ui.row().classes("gap-1 text-negative").mark("task-stuck"):
                ui.label("stuck: silent since")
                local_time(task.stuck_since)
        if task.block_reason:
            ui.label(f"blocked: {task.block_reason}").classes("text-negative")
        if task.feedback:
            ui.label(f"feedback: {task.feedback}").classes("text-warning")

    @ui.refreshable_method
    def work(self, snapshot: TaskSnapshot | None) -> None:
        if snapshot is None:
            return
        result_section(snapshot.task)
        attempts_section(snapshot.attempts)
        comment_thread(snapshot.comments)

    @ui.refreshable_method
    def details(self, snapshot: TaskSnapshot | None) -> None:
        if snapshot is None:
            return
        if not self.session.can_write:
            ui.label("Description").classes("font-bold mt-4")
            markdown_block(snapshot.task.description or "_no description_")
        self.subtasks(snapshot.children)

    def subtasks(self, children: list[TaskView]) -> None:
        ui.label(f"Subtasks ({len(children)})").classes("font-bold mt-4")
        for child in children:
            ui.link(f"#{child.id} {child.title} · {child.status}", f"/task/{child.id}")

    @ui.refreshable_method
    def history(self, snapshot: TaskSnapshot | None) -> None:
        if snapshot is None:
            return
        ui.label("History").classes("font-bold")
        for event in reversed(snapshot.events):
            moved = f" {event.from_status or ''} → {event.to_status}" if event.to_status else ""
            with ui.column().classes("gap-0").mark(f"event-{event.id}"):
                with ui.row().classes("gap-1 items-center text-sm"):
                    local_time(event.created_at)
                    ui.label(f"· {event.kind}{moved} · {event.actor}")
                for line in event_details(event):
                    ui.label(line).classes("text-xs mc-muted whitespace-pre-wrap")


def event_details(event: EventRecord) -> list[str]:
    """The lines under an Event in the history: a progress value and note, a reason, ..."""
    payload = event.payload
    lines = []
    if event.kind is EventKind.PROGRESS:
        note = payload.get("note")
        lines.append(f"progress {payload.get('progress')}%" + (f" · {note}" if note else ""))
    if event.kind is EventKind.USAGE:
        lines.append(f"{payload.get('tokens', 0):,} tokens · ${payload.get('cost_usd', 0):,.2f}")
    if event.kind is EventKind.COMMENTED and payload.get("body"):
        lines.append(f"“{str(payload['body'])[:200]}”")
    if payload.get("error"):
        lines.append(f"error: {payload['error']}")
    if payload.get("reason"):
        lines.append(f"reason: {payload['reason']}")
    return lines


def missing_task(raw: str) -> None:
    """What /task/abc or /task/99999 shows: a sentence and the way back, not an error dump."""
    with ui.card().classes("w-full max-w-xl gap-2").mark("not-found"):
        ui.label("No such task").classes("text-xl font-bold")
        what = f"Task #{raw}" if raw.isdigit() else f"“{raw[:40]}” is not a task number; task"
        ui.label(f"{what} does not exist.").mark("not-found-text")
        ui.link("Back to the board", "/").mark("back-to-board")


def task_number(raw: str) -> int | None:
    """The task id in the address, or None when it is not a plain positive number."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def register_task(runtime: Runtime) -> None:
    @ui.page("/task/{task_ref}", title="Mission Control · task")
    async def task_page(task_ref: str) -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        task_id = task_number(task_ref)
        header(session, f"Task #{task_ref[:20]}")
        if task_id is None:
            missing_task(task_ref)
            return None
        detail = TaskDetail(session, task_id)
        since = runtime.hub.cursor
        detail.build(await detail.fetch())
        feed = LiveFeed(runtime.hub, detail.on_events, since, EventFilter(task_id=task_id))
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
