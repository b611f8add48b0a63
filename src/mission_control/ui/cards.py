"""A task as a card on the board: title, priority, tags, block reason, assignee with its live
state, attempts, progress and age."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nicegui import ui

from mission_control.domain.agents import AgentStatus
from mission_control.domain.usage import Totals
from mission_control.domain.workflow import TaskStatus
from mission_control.store.views import TaskView

PRIORITY_COLORS = {1: "red", 2: "orange", 3: "amber", 4: "blue", 5: "grey"}
# Material icons (served with NiceGUI), not emoji: no emoji font is needed to see them.
AGENT_ICONS = {
    AgentStatus.WORKING: ("play_circle", "positive"),
    AgentStatus.WAITING: ("hourglass_top", "warning"),
    AgentStatus.BLOCKED: ("block", "negative"),
    AgentStatus.IDLE: ("radio_button_unchecked", "grey"),
    AgentStatus.OFFLINE: ("cloud_off", "grey"),
}


@dataclass(frozen=True, slots=True)
class AgentState:
    """What a card says about its assignee: the live status, and whether it is paused."""

    status: AgentStatus
    paused: bool = False

    @property
    def text(self) -> str:
        return f"{self.status}, paused" if self.paused else str(self.status)


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
    """One card; `show` redraws its contents in place when the task or its agent changes."""

    def __init__(
        self,
        task: TaskView,
        on_drag: Callable[[int], None],
        draggable: bool,
        agent: AgentState | None = None,
    ) -> None:
        super().__init__()
        self.task_id = task.id
        self.status = task.status
        self.version = 0
        self.agent: AgentState | None = None
        self.assignee: str | None = None
        self.classes("mc-card w-full p-2 gap-1 cursor-grab").mark(f"card-{task.id}")
        self.props(f"data-task={task.id} tabindex=0")
        if draggable:
            self.props("draggable")
            self.on("dragstart", lambda: on_drag(self.task_id))
        self.show(task, agent)

    def show(self, task: TaskView, agent: AgentState | None = None) -> None:
        if (task.version, task.status, agent) == (self.version, self.status, self.agent):
            return
        self.version, self.status, self.agent = task.version, task.status, agent
        self.assignee = task.assignee
        self.clear()
        with self:
            with ui.row().classes("w-full items-center no-wrap gap-1"):
                ui.link(task.title, f"/task/{task.id}").classes("font-medium grow")
                if task.priority is not None:
                    ui.badge(f"P{task.priority}", color=PRIORITY_COLORS.get(task.priority, "grey"))
                if task.stuck_since is not None and task.status is TaskStatus.IN_PROGRESS:
                    ui.badge("stuck", color="negative").mark(f"stuck-{task.id}")
            if task.status is TaskStatus.BLOCKED and task.block_reason:
                with ui.row().classes("w-full no-wrap items-start gap-1 text-xs text-negative"):
                    ui.icon("block", size="14px")
                    ui.label(task.block_reason[:140]).classes("break-words min-w-0").mark(
                        f"block-reason-{task.id}"
                    )
            if task.tags:
                with ui.row().classes("gap-1"):
                    for tag in task.tags:
                        ui.badge(tag, color="teal").props("outline")
            with ui.row().classes("w-full items-center text-xs mc-muted gap-2 no-wrap"):
                ui.label(f"#{task.id}")
                self._assignee(task, agent)
                if task.attempts:
                    with ui.row().classes("gap-0 items-center").mark(f"attempts-{task.id}"):
                        ui.icon("replay", size="14px")
                        ui.label(str(task.attempts))
                        ui.tooltip(f"{task.attempts} failed attempt(s) so far")
                ui.space()
                ui.label(age_of(task.created_at))
            if task.progress:
                ui.linear_progress(value=task.progress / 100, show_value=False).props(
                    "rounded size=6px"
                )

    def _assignee(self, task: TaskView, agent: AgentState | None) -> None:
        name = task.assignee
        if name is None:
            ui.label("unassigned")
            return
        with ui.row().classes("gap-0 items-center no-wrap min-w-0").mark(f"agent-state-{task.id}"):
            if agent is not None:
                icon, color = AGENT_ICONS.get(agent.status, ("help", "grey"))
                ui.icon("pause_circle" if agent.paused else icon, size="14px", color=color)
                ui.tooltip(f"{name} is {agent.text}")
            ui.label(name).classes("truncate")
