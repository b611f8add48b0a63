"""The page of one task: its fields, history, subtasks and the operator's moves on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventFilter, EventRecord
from mission_control.domain.usage import Totals
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.runtime import Runtime
from mission_control.services import moves, tasks
from mission_control.store import queries
from mission_control.store.tasks import assignee_name
from mission_control.store.usage import task_totals
from mission_control.ui.cards import age_of, usage_text
from mission_control.ui.decompose import open_decomposition
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login

TaskAction = Callable[[Actor], Awaitable[Task]]


@dataclass
class TaskSnapshot:
    task: Task
    children: list[Task]
    events: list[EventRecord]
    usage: Totals = field(default_factory=Totals)


class TaskDetail:
    """Draws the task and redraws it whenever one of its Events arrives."""

    def __init__(self, session: Session, task_id: int) -> None:
        self.session = session
        self.task_id = task_id
        self.ctx = session.runtime.ctx
        # A redraw awaits reads between clearing and drawing; two at once would draw twice.
        self._drawing = asyncio.Lock()

    async def fetch(self) -> TaskSnapshot | None:
        """Read first, draw after: a redraw swaps content without an empty moment."""
        try:
            task = await queries.get_task(self.task_id)
        except NotFound:
            return None
        return TaskSnapshot(
            task,
            await queries.subtasks(self.task_id),
            await queries.task_history(self.task_id),
            await task_totals(self.task_id),
        )

    async def redraw(self) -> None:
        async with self._drawing:
            self.show.refresh(await self.fetch())

    async def act(self, action: TaskAction, done: str) -> None:
        if await self.session.run(action) is not None:
            ui.notify(done, type="positive")
            await self.redraw()

    async def on_events(self, events: list[EventRecord]) -> None:
        await self.redraw()

    @ui.refreshable_method
    def show(self, snapshot: TaskSnapshot | None) -> None:
        if snapshot is None:
            ui.label(f"Task #{self.task_id} does not exist.").mark("not-found")
            return
        task = snapshot.task
        ui.label(f"#{task.id} · {task.title}").classes("text-xl font-bold").mark("task-title")
        with ui.row().classes("gap-4 text-slate-600"):
            ui.label(f"status: {task.status}").mark("task-status")
            ui.label(f"assignee: {assignee_name(task) or 'nobody'}").mark("task-assignee")
            ui.label(f"progress: {task.progress}%")
            ui.label(f"created {age_of(task.created_at)} ago")
            ui.label(usage_text(snapshot.usage)).mark("task-usage")
        if task.stuck_since is not None and task.status is TaskStatus.IN_PROGRESS:
            ui.label(f"stuck: silent since {age_of(task.stuck_since)} ago").classes(
                "text-negative"
            ).mark("task-stuck")
        if task.block_reason:
            ui.label(f"blocked: {task.block_reason}").classes("text-negative")
        if task.feedback:
            ui.label(f"feedback: {task.feedback}").classes("text-warning")
        if task.result:  # a worktree runner's branch, commit range and diff stat keep their lines
            ui.label(task.result).classes("font-mono text-sm whitespace-pre-wrap").mark(
                "task-result"
            )
        with ui.row().classes("w-full items-start gap-6"):
            with ui.column().classes("w-[36rem]"):
                if self.session.can_write:
                    self.editor(task)
                    self.actions(task)
                else:
                    ui.markdown(task.description or "_no description_")
                self.subtasks(snapshot.children)
            with ui.column().classes("grow"):
                self.history(snapshot.events)

    def editor(self, task: Task) -> None:
        title = ui.input("Title", value=task.title).classes("w-full").mark("edit-title")
        description = ui.textarea("Description", value=task.description).classes("w-full")
        description.mark("edit-description")
        priority = ui.select(
            {0: "none", 1: "P1", 2: "P2", 3: "P3", 4: "P4", 5: "P5"}, value=task.priority or 0
        ).props('label="Priority"')
        priority.mark("edit-priority")
        tag_field = ui.input("Tags", value=", ".join(task.tags)).classes("w-full")
        tag_field.mark("edit-tags")

        async def save(actor: Actor) -> Task:
            edit = tasks.TaskEdit(
                title=title.value,
                description=description.value,
                priority=priority.value or None,
                tags=[t for t in (tag_field.value or "").split(",") if t.strip()],
            )
            return await tasks.update_task(self.ctx, actor, task.id, edit, task.version)

        ui.button("Save", on_click=lambda: self.act(save, "Saved")).mark("edit-save")

    def actions(self, task: Task) -> None:
        ctx, task_id = self.ctx, task.id
        with ui.row().classes("items-end gap-2"):
            reason = ui.input("Reason / feedback").mark("action-reason")
            if task.status is not TaskStatus.BLOCKED:

                async def block(actor: Actor) -> Task:
                    return await moves.block_task(ctx, actor, task_id, reason.value or "")

                ui.button("Block", on_click=lambda: self.act(block, "Blocked")).mark("block")
            else:

                async def unblock(actor: Actor) -> Task:
                    return await moves.unblock_task(ctx, actor, task_id)

                ui.button("Unblock", on_click=lambda: self.act(unblock, "Unblocked"))
            if task.status is TaskStatus.REVIEW:

                async def approve(actor: Actor) -> Task:
                    return await moves.approve_task(ctx, actor, task_id)

                async def reject(actor: Actor) -> Task:
                    return await moves.reject_task(ctx, actor, task_id, reason.value or "")

                ui.button("Approve", on_click=lambda: self.act(approve, "Approved"))
                ui.button("Reject", on_click=lambda: self.act(reject, "Sent back"))
        with ui.row().classes("items-end gap-2"):
            agent = ui.input("Assign to agent", value=assignee_name(task) or "")
            agent.mark("assign-agent")

            async def assign(actor: Actor) -> Task:
                name = (agent.value or "").strip() or None
                return await tasks.assign_task(ctx, actor, task_id, name, reason="from the board")

            ui.button("Reassign", on_click=lambda: self.act(assign, "Reassigned")).mark("assign")
        ui.button(
            "Decompose", on_click=lambda: open_decomposition(self.session, task_id, self.redraw)
        ).props("outline").mark("decompose")

    def subtasks(self, children: list[Task]) -> None:
        ui.label(f"Subtasks ({len(children)})").classes("font-bold mt-4")
        for child in children:
            ui.link(f"#{child.id} {child.title} · {child.status}", f"/task/{child.id}")

    def history(self, events: list[EventRecord]) -> None:
        ui.label("History").classes("font-bold")
        for event in reversed(events):
            moved = f" {event.from_status or ''} → {event.to_status}" if event.to_status else ""
            reason = event.payload.get("reason")
            line = f"{event.created_at:%Y-%m-%d %H:%M:%S} · {event.kind}{moved} · {event.actor}"
            with ui.column().classes("gap-0").mark(f"event-{event.id}"):
                ui.label(line).classes("text-sm")
                if reason:
                    ui.label(f"reason: {reason}").classes("text-xs text-slate-500")


def register_task(runtime: Runtime) -> None:
    @ui.page("/task/{task_id}", title="Mission Control · task")
    async def task_page(task_id: int) -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, f"Task #{task_id}")
        detail = TaskDetail(session, task_id)
        since = runtime.hub.cursor
        detail.show(await detail.fetch())
        feed = LiveFeed(runtime.hub, detail.on_events, since, EventFilter(task_id=task_id))
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
