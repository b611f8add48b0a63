"""An agent as a card on the activity page: state, current task, heartbeat, usage, live output.

A card is built once and updated in place (`show`): its buttons are never rebuilt, so a click
is never lost to a redraw, and its output terminal only appends the lines it has not shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nicegui import ui

from mission_control.domain.agents import AgentStatus
from mission_control.domain.output import TAIL_LINES, new_lines, tail_lines
from mission_control.services.agents import Workload
from mission_control.services.budgets import BudgetState
from mission_control.services.output import AgentOutput
from mission_control.store.views import AgentView, TaskView
from mission_control.ui.cards import age_of

# Material icon and colour per status (icons render from NiceGUI's bundled font, not emoji).
BADGES = {
    AgentStatus.WORKING: ("play_circle", "positive"),
    AgentStatus.WAITING: ("hourglass_top", "warning"),
    AgentStatus.BLOCKED: ("error", "negative"),
    AgentStatus.IDLE: ("radio_button_unchecked", "grey-7"),
    AgentStatus.OFFLINE: ("cloud_off", "grey-9"),
}

WORKLOAD_HINT = (
    "In progress of its WIP limit (at the limit it picks up nothing more); queued: ready tasks "
    "assigned to it and pickups awaiting approval"
)

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


def heartbeat_text(at: datetime | None, now: datetime | None = None) -> str:
    """'heartbeat 12s ago', or 'no heartbeat yet'."""
    return f"heartbeat {age_of(at, now)} ago" if at is not None else "no heartbeat yet"


def usage_today_text(budget: BudgetState) -> str:
    """'today: 1,200 / 5,000 tokens · $0.02 / $1.00 · 2 reports': spent against the daily
    budget (a limit shown only when set)."""
    used, limit = budget.used, budget.budget
    tokens = f"{used.tokens:,}" + (f" / {limit.tokens:,}" if limit.tokens is not None else "")
    cost = f"${used.cost_usd:,.2f}" + (
        f" / ${limit.cost_usd:,.2f}" if limit.cost_usd is not None else ""
    )
    reports = f"{used.reports} report" + ("" if used.reports == 1 else "s")
    return f"today: {tokens} tokens · {cost} · {reports}"


def workload_text(workload: Workload) -> str:
    """'2 of 3 WIP · 1 queued': tasks in progress against the WIP limit (what stops pickups),
    then those waiting for the agent (assigned to it while ready, or awaiting approval)."""
    text = f"{workload.held} of {workload.wip_limit} WIP"
    return text + (f" · {workload.queued} queued" if workload.queued else "")


def budget_share(budget: BudgetState) -> float | None:
    """How much of the daily budget is used (0..1, the larger of tokens and dollars), or None
    when the agent has no budget."""
    shares = []
    if budget.budget.tokens:
        shares.append(budget.used.tokens / budget.budget.tokens)
    if budget.budget.cost_micro_usd:
        shares.append(budget.used.cost_micro_usd / budget.budget.cost_micro_usd)
    return min(1.0, max(shares)) if shares else None


class Terminal(ui.log):
    """The agent's command output, like a terminal: monospace, scrolled to the end, bounded."""

    def __init__(self, name: str) -> None:
        super().__init__(max_lines=TAIL_LINES)
        self.classes("w-full h-40 text-xs bg-slate-900 text-slate-100 p-1").mark(f"output-{name}")
        self.props(f"data-output={name}")
        self.shown: list[str] = []
        self.task_id: int | None = None

    def show(self, output: AgentOutput | None) -> None:
        """Append what is new in the agent's tail; start over for another task."""
        lines = tail_lines(output.tail) if output is not None else []
        task_id = output.task_id if output is not None else None
        added = new_lines(self.shown, lines) if task_id == self.task_id else None
        if added is None:
            self.clear()
            added = lines
        for line in added:
            self.push(line or " ")
        self.shown, self.task_id = lines, task_id


class AgentCard(ui.card):
    """One agent. Built once; `show` updates it in place, `tick` refreshes its clocks."""

    def __init__(self, name: str, actions: dict[str, AgentAction] | None) -> None:
        super().__init__()
        self.name = name
        self.claimed_at: datetime | None = None
        self.heartbeat_at: datetime | None = None
        self.paused = False
        self.classes("w-96 max-w-full gap-1").mark(f"agent-{name}")
        self.props(f"data-agent={name}")
        with self:
            with ui.row().classes("w-full items-center no-wrap"):
                ui.label(name).classes("text-lg font-bold")
                ui.space()
                self.badge_icon = ui.icon("radio_button_unchecked", size="sm")
                self.badge = ui.label("").mark(f"badge-{name}")
            with ui.row().classes("items-center gap-1 text-warning text-sm") as self.paused_row:
                ui.icon("pause_circle")
                ui.label("paused: gets no new tasks")
            self.doing = ui.link("", "/").mark(f"doing-{name}")
            self.no_task = ui.label("no task").classes("text-slate-500 text-sm")
            with ui.row().classes("w-full items-center text-sm text-slate-500") as self.timing:
                ui.icon("timer")
                self.elapsed = ui.label("").mark(f"elapsed-{name}")
                ui.space()
                self.progress_text = ui.label("")
            self.progress = ui.linear_progress(value=0, show_value=False).props("rounded size=8px")
            self.note = ui.label("").classes("text-sm italic")
            with ui.row().classes("items-center gap-1 text-sm no-wrap"):
                self.skills = ui.label("")
                ui.icon("work_history").tooltip(WORKLOAD_HINT)
                self.workload = ui.label("").mark(f"workload-{name}")
            with ui.row().classes("items-center gap-1 text-sm text-slate-500"):
                ui.icon("monitor_heart")
                self.heartbeat = ui.label("").mark(f"heartbeat-{name}")
            with ui.row().classes("items-center gap-1 text-sm no-wrap") as self.usage_row:
                ui.icon("toll")
                self.usage = ui.label("").mark(f"usage-{name}")
            self.budget_bar = ui.linear_progress(value=0, show_value=False).props(
                "rounded size=6px"
            )
            with ui.row().classes("items-center gap-1 text-warning text-sm") as self.budget_row:
                ui.icon("money_off")
                self.budget_paused = ui.label("").mark(f"budget-paused-{name}")
            self.quiet = ui.label("no output yet").classes("text-sm text-slate-500")
            self.quiet.mark(f"quiet-{name}")
            with ui.row().classes("items-center gap-1 text-xs text-slate-500") as self.output_of:
                ui.icon("terminal")
                self.output_label = ui.label("").mark(f"output-of-{name}")
            self.terminal = Terminal(name)
            self.pause_button: ui.button | None = None
            if actions is not None:
                self._actions(actions)

    def _actions(self, actions: dict[str, AgentAction]) -> None:
        name = self.name

        def pause_or_resume() -> Awaitable[None] | None:
            return actions["resume" if self.paused else "pause"](name)

        with ui.row().classes("gap-1"):
            self.pause_button = ui.button("Pause", icon="pause", on_click=pause_or_resume)
            self.pause_button.props("dense").mark(f"pause-{name}")
            self.reassign = ui.button(
                "Reassign", icon="swap_horiz", on_click=lambda: actions["reassign"](name)
            )
            self.reassign.props("dense outline").mark(f"reassign-{name}")
            self.cancel = ui.button(
                "Cancel", icon="cancel", on_click=lambda: actions["cancel"](name)
            )
            self.cancel.props("dense outline color=negative").mark(f"cancel-{name}")

    def show(
        self,
        agent: AgentView,
        task: TaskView | None,
        budget: BudgetState | None,
        output: AgentOutput | None,
    ) -> None:
        """Update every part in place from the agent's latest state."""
        status = AgentStatus(agent.status)
        icon, color = BADGES.get(status, ("help", "grey"))
        self.badge_icon.set_name(icon)
        self.badge_icon.set_text_color(color)
        self.badge.set_text(str(status))
        self.paused = agent.paused
        self.paused_row.set_visibility(agent.paused)
        self.claimed_at = task.claimed_at if task is not None else None
        self.doing.set_visibility(task is not None)
        self.no_task.set_visibility(task is None)
        self.timing.set_visibility(task is not None)
        self.progress.set_visibility(task is not None)
        if task is not None:
            self.doing.set_text(f"#{task.id} {task.title}")
            self.doing.props(f"href=/task/{task.id}")
            self.progress_text.set_text(f"{task.progress}%")
            self.progress.set_value(task.progress / 100)
        self.note.set_text(agent.note or "")
        self.note.set_visibility(bool(agent.note))
        self.skills.set_text(f"skills: {', '.join(agent.skills) or '—'} ·")
        self.heartbeat_at = agent.last_heartbeat_at
        if agent.last_heartbeat_at is not None:
            self.heartbeat.props(f'title="{agent.last_heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"')
        self._show_budget(budget)
        self.show_output(output)
        if self.pause_button is not None:
            self.pause_button.set_text("Resume" if agent.paused else "Pause")
            self.pause_button.props(f"icon={'play_arrow' if agent.paused else 'pause'}")
            self.reassign.set_visibility(task is not None)
            self.cancel.set_visibility(task is not None)
        self.tick()

    def show_workload(self, workload: Workload | None) -> None:
        self.workload.set_text(workload_text(workload) if workload is not None else "")

    def show_output(self, output: AgentOutput | None) -> None:
        """The terminal, hidden while the agent's command has printed nothing."""
        self.terminal.show(output)
        printing = bool(self.terminal.shown)
        self.terminal.set_visibility(printing)
        self.output_of.set_visibility(printing)
        self.quiet.set_visibility(not printing)
        if printing and output is not None:
            self.output_label.set_text(f"output of #{output.task_id}")

    def _show_budget(self, budget: BudgetState | None) -> None:
        self.usage_row.set_visibility(budget is not None)
        share = budget_share(budget) if budget is not None else None
        self.budget_bar.set_visibility(share is not None)
        if share is not None:
            self.budget_bar.set_value(share)
            self.budget_bar.props(f"color={'negative' if share >= 0.9 else 'primary'}")
        reason = budget.paused_reason if budget is not None else None
        self.budget_row.set_visibility(bool(reason))
        if budget is not None:
            self.usage.set_text(usage_today_text(budget))
            self.budget_paused.set_text(reason or "")

    def tick(self) -> None:
        """Refresh the clocks (elapsed time, heartbeat age) without a database read."""
        now = datetime.now(UTC)
        self.elapsed.set_text(elapsed_text(self.claimed_at, now))
        self.heartbeat.set_text(heartbeat_text(self.heartbeat_at, now))
