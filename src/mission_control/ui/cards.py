"""A task as a card on the board: title, priority, tags, assignee, progress and age."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from nicegui import ui

from mission_control.domain.usage import Totals
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.store.tasks import assignee_name

PRIORITY_COLORS = {1: "red", 2: "orange", 3: "amber", 4: "blue", 5: "grey"}


def age_of(moment: datetime, now: datetime | None = None) -> str:
    """'3m', '5h', '2d': how long ago, as short as a card has room for."""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def usage_text(used: Totals, tokens_budget: int | None = None) -> str:
    """'usage: 1,200 / 5,000 tokens · $0.02 · 2 reports': one compact line."""
    limit = f" / {tokens_budget:,}" if tokens_budget is not None else ""
    reports = f"{used.reports} report" + ("" if used.reports == 1 else "s")
    return f"usage: {used.tokens:,}{limit} tokens · ${used.cost_usd:,.2f} · {reports}"


class TaskCard(ui.card):
    """One card; `show` redraws its contents in place when the task changes."""

    def __init__(self, task: Task, on_drag: Callable[[int], None], draggable: bool) -> None:
        super().__init__()
        self.task_id = task.id
        self.status = task.status
        self.version = 0
        self.classes("w-full p-2 gap-1 cursor-grab").mark(f"card-{task.id}")
        self.props(f"data-task={task.id}")
        if draggable:
            self.props("draggable")
            self.on("dragstart", lambda: on_drag(self.task_id))
        self.show(task)

    def show(self, task: Task) -> None:
        if task.version == self.version and task.status == self.status:
            return
        self.version, self.status = task.version, task.status
        self.clear()
        with self:
            with ui.row().classes("w-full items-center no-wrap gap-1"):
                ui.link(task.title, f"/task/{task.id}").classes("font-medium grow")
                if task.priority is not None:
                    ui.badge(f"P{task.priority}", color=PRIORITY_COLORS.get(task.priority, "grey"))
                if task.stuck_since is not None and task.status is TaskStatus.IN_PROGRESS:
                    ui.badge("stuck", color="negative").mark(f"stuck-{task.id}")
            with ui.row().classes("gap-1"):
                for tag in task.tags:
                    ui.badge(tag, color="teal").props("outline")
            with ui.row().classes("w-full text-xs text-slate-500 gap-2"):
                ui.label(f"#{task.id}")
                ui.label(assignee_name(task) or "unassigned")
                ui.space()
                ui.label(age_of(task.created_at))
            if task.progress:
                ui.linear_progress(value=task.progress / 100, show_value=False).props(
                    "rounded size=6px"
                )
