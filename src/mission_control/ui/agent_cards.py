"""An agent as a card on the activity page: live badge, current task, elapsed time, actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nicegui import ui

from mission_control.domain.agents import AgentStatus
from mission_control.models import Agent, Task
from mission_control.services.budgets import BudgetState
from mission_control.ui.cards import usage_text

BADGES = {
    AgentStatus.WORKING: "🟢 working",
    AgentStatus.WAITING: "🟡 waiting",
    AgentStatus.BLOCKED: "🔴 blocked",
    AgentStatus.IDLE: "⚪ idle",
    AgentStatus.OFFLINE: "⚫ offline",
}

# Pause/Resume/Cancel are async service calls; Reassign only opens a dialog, synchronously.
AgentAction = Callable[[str], Awaitable[None] | None]


def elapsed_text(since: datetime | None, now: datetime | None = None) -> str:
    """'12:05' or '1:02:03' since the task was claimed; '' when nothing is held."""
    if since is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - since).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class AgentCard(ui.card):
    """One agent; its elapsed label is ticked by the page's timer, without a database read."""

    def __init__(
        self,
        agent: Agent,
        task: Task | None,
        actions: dict[str, AgentAction] | None,
        budget: BudgetState | None = None,
    ) -> None:
        super().__init__()
        self.claimed_at = task.claimed_at if task is not None else None
        self.classes("w-80 gap-1").mark(f"agent-{agent.name}")
        with self:
            with ui.row().classes("w-full items-center"):
                ui.label(agent.name).classes("text-lg font-bold")
                ui.space()
                status = AgentStatus(agent.status)
                ui.label(BADGES.get(status, str(status))).mark(f"badge-{agent.name}")
            if agent.paused:
                ui.label("⏸ paused: gets no new tasks").classes("text-warning text-sm")
            if task is not None:
                ui.link(f"#{task.id} {task.title}", f"/task/{task.id}").mark(f"doing-{agent.name}")
                with ui.row().classes("w-full items-center text-sm text-slate-500"):
                    self.elapsed = ui.label(elapsed_text(self.claimed_at))
                    self.elapsed.mark(f"elapsed-{agent.name}")
                    ui.space()
                    ui.label(f"{task.progress}%")
                ui.linear_progress(value=task.progress / 100, show_value=False).props(
                    "rounded size=8px"
                )
            else:
                ui.label("no task").classes("text-slate-500 text-sm")
            if agent.note:
                ui.label(agent.note).classes("text-sm italic")
            ui.label(f"skills: {', '.join(agent.skills) or '—'} · load {agent.current_load}%")
            if budget is not None:
                today = usage_text(budget.used, budget.budget.tokens).replace("usage", "today", 1)
                ui.label(today).classes("text-sm").mark(f"usage-{agent.name}")
                if budget.paused_reason:
                    ui.label(f"⏸ {budget.paused_reason}").classes("text-warning text-sm").mark(
                        f"budget-paused-{agent.name}"
                    )
            if actions is not None:
                self._actions(agent, task, actions)

    def _actions(self, agent: Agent, task: Task | None, actions: dict[str, AgentAction]) -> None:
        name = agent.name
        with ui.row().classes("gap-1"):
            if agent.paused:
                ui.button("Resume", on_click=lambda: actions["resume"](name)).props("dense")
            else:
                ui.button("Pause", on_click=lambda: actions["pause"](name)).props("dense")
            if task is not None:
                ui.button("Reassign", on_click=lambda: actions["reassign"](name)).props(
                    "dense outline"
                ).mark(f"reassign-{name}")
                ui.button("Cancel", on_click=lambda: actions["cancel"](name)).props(
                    "dense outline color=negative"
                ).mark(f"cancel-{name}")

    def tick(self) -> None:
        if self.claimed_at is not None:
            self.elapsed.set_text(elapsed_text(self.claimed_at))
