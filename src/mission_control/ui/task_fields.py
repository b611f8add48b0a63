"""The task's fields and the operator's moves on it, built once per page and updated in place.

A live update never takes away what the operator is typing: a field they have not touched
follows the task, a field they edited keeps the draft. When the task's value under a draft
changed meanwhile, the editor says so and its Save keeps the version the draft was based on, so
the service refuses it (CONFLICT) instead of silently overwriting the other change; the
operator reloads the new values or keeps theirs. Changes to fields nobody is editing (a title
edit while an agent reports progress) are no conflict: the draft moves on to the new version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.elements.mixins.value_element import ValueElement

from mission_control.domain.actors import Actor
from mission_control.domain.workflow import TaskStatus
from mission_control.services import moves, tasks
from mission_control.store.views import TaskView
from mission_control.ui.decompose import open_decomposition
from mission_control.ui.session import Session

Act = Callable[[Callable[[Actor], Awaitable[object]], str], Awaitable[bool]]
Redraw = Callable[[], Awaitable[None]]

PRIORITIES = {0: "none", 1: "P1", 2: "P2", 3: "P3", 4: "P4", 5: "P5"}


class Draft:
    """One control showing one value of the task, and whether the operator has changed it."""

    def __init__(self, element: ValueElement[Any], name: str) -> None:
        self.element, self.name = element, name
        self.base: object = element.value  # what the page last put there from the task
        self.latest: object = element.value  # the task's value now

    @property
    def edited(self) -> bool:
        return bool(self.element.value != self.base)

    def follow(self, value: object) -> bool:
        """Take the task's value unless edited; True when a draft hides a value that changed."""
        self.latest = value
        if self.edited and self.element.value != value:
            return value != self.base
        if self.element.value != value:
            self.element.value = value
        self.base = value
        return False

    def settle(self) -> None:
        """What is shown now was just saved: the next update may replace it."""
        self.base = self.element.value

    def reload(self) -> None:
        """Drop the draft for the task's current value."""
        self.element.value = self.base = self.latest

    def keep(self) -> None:
        """Keep the draft over the current value: the next Save writes it."""
        self.base = self.latest


def field_values(task: TaskView) -> tuple[str, str, int, str]:
    """The editor's values for a task, in the editor's order."""
    return task.title, task.description or "", task.priority or 0, ", ".join(task.tags)


class TaskFields:
    """Title, description, priority and tags, with Save and the changed-meanwhile notice."""

    def __init__(self, session: Session, task: TaskView, act: Act, redraw: Redraw) -> None:
        self.session, self.task_id, self.act, self.redraw = session, task.id, act, redraw
        self.version = self.seen_version = task.version
        title, description, priority, tags = field_values(task)
        ui.label("Details").classes("font-bold mt-4")
        with ui.column().classes(
            "w-full gap-0 p-2 rounded bg-amber-1 text-amber-10 text-sm"
        ) as self.notice:
            self.notice.mark("edit-changed")
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("sync_problem", size="sm")
                self.notice_text = ui.label("")
            with ui.row().classes("gap-1 self-end"):
                ui.button("Reload values", on_click=self.reload).props("flat dense").mark(
                    "edit-reload"
                )
                ui.button("Keep mine", on_click=self.keep).props("flat dense").mark("edit-keep")
        self.notice.set_visibility(False)
        self.drafts = [
            Draft(ui.input("Title", value=title).classes("w-full").mark("edit-title"), "title"),
            Draft(
                ui.textarea("Description", value=description)
                .classes("w-full")
                .mark("edit-description"),
                "description",
            ),
            Draft(
                ui.select(PRIORITIES, value=priority)
                .props('label="Priority"')
                .classes("w-32")
                .mark("edit-priority"),
                "priority",
            ),
            Draft(ui.input("Tags", value=tags).classes("w-full").mark("edit-tags"), "tags"),
        ]
        ui.button("Save", on_click=self.save).mark("edit-save")

    def show(self, task: TaskView) -> None:
        """Follow the task where the operator has not edited; flag drafts over changed values."""
        changed = [
            draft.name
            for draft, value in zip(self.drafts, field_values(task), strict=True)
            if draft.follow(value)
        ]
        self.seen_version = task.version
        if not changed:
            self.version = task.version
        self.notice_text.set_text(
            f"The {' and '.join(changed)} changed while you were editing: reload the new "
            "values, or keep yours to save over them."
        )
        self.notice.set_visibility(bool(changed))

    def reload(self) -> None:
        for draft in self.drafts:
            draft.reload()
        self._caught_up()

    def keep(self) -> None:
        for draft in self.drafts:
            draft.keep()
        self._caught_up()

    def _caught_up(self) -> None:
        self.version = self.seen_version
        self.notice.set_visibility(False)

    async def save(self) -> None:
        title, description, priority, tags = (draft.element.value for draft in self.drafts)
        edit = tasks.TaskEdit(
            title=title,
            description=description,
            priority=priority or None,
            tags=[t for t in (tags or "").split(",") if t.strip()],
        )
        version = self.version  # a draft over a changed value keeps its old version: refused

        async def update(actor: Actor) -> TaskView:
            saved = await tasks.update_task(
                self.session.runtime.ctx, actor, self.task_id, edit, version
            )
            for draft in self.drafts:
                draft.settle()
            return saved

        if not await self.act(update, "Saved"):
            await self.redraw()  # a refused save shows what changed meanwhile


class TaskActions:
    """Block / Unblock with a reason, Reassign and Decompose. The inputs keep what is typed."""

    def __init__(self, session: Session, task: TaskView, act: Act, redraw: Redraw) -> None:
        self.session, self.task_id, self.act = session, task.id, act
        with ui.row().classes("items-end gap-2"):
            self.reason = ui.input("Block reason").mark("action-reason")
            self.block = ui.button("Block", on_click=self._block).mark("block")
            self.unblock = ui.button("Unblock", on_click=self._unblock).mark("unblock")
        with ui.row().classes("items-end gap-2"):
            agent = ui.input("Assign to agent", value=task.assignee or "")
            self.assignee = Draft(agent.mark("assign-agent"), "assignee")
            ui.button("Reassign", on_click=self._assign).mark("assign")
        self.assign_notice = ui.label("").classes("text-sm text-warning").mark("assign-changed")
        ui.button(
            "Decompose", on_click=lambda: open_decomposition(session, self.task_id, redraw)
        ).props("outline").mark("decompose")
        self.show(task)

    def show(self, task: TaskView) -> None:
        blocked = task.status is TaskStatus.BLOCKED
        self.block.set_visibility(not blocked)
        self.unblock.set_visibility(blocked)
        holder = task.assignee
        changed = self.assignee.follow(holder or "")
        self.assign_notice.set_text(f"Meanwhile assigned to {holder or 'nobody'}.")
        self.assign_notice.set_visibility(changed)

    async def _block(self) -> None:
        reason = self.reason.value or ""

        async def block(actor: Actor) -> TaskView:
            task = await moves.block_task(self.session.runtime.ctx, actor, self.task_id, reason)
            self.reason.value = ""  # sent: before any redraw, so the page never shows it twice
            return task

        await self.act(block, "Blocked")

    async def _unblock(self) -> None:
        async def unblock(actor: Actor) -> TaskView:
            return await moves.unblock_task(self.session.runtime.ctx, actor, self.task_id)

        await self.act(unblock, "Unblocked")

    async def _assign(self) -> None:
        name = (self.assignee.element.value or "").strip() or None

        async def assign(actor: Actor) -> TaskView:
            ctx = self.session.runtime.ctx
            task = await tasks.assign_task(ctx, actor, self.task_id, name, reason="from the board")
            self.assignee.settle()
            return task

        await self.act(assign, "Reassigned")
