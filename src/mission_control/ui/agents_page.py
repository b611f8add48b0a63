"""The agent activity page: who is doing what and what their commands print, pickups waiting
for approval, the autonomy switch, and (for the operator) the tokens.

Everything is built once and updated in place when Events arrive: cards, approval rows and
token rows are kept by id, so a button is never rebuilt under the operator's click. OUTPUT
Events (a runner's new lines, every second or so per agent) only update the terminals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor, Role
from mission_control.domain.control import AutonomyMode
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.runtime import Runtime
from mission_control.services import agents, approvals, control
from mission_control.services.agents import Workload
from mission_control.services.budgets import BudgetState, budget_states
from mission_control.services.output import AgentOutput, output_tails
from mission_control.store.views import AgentView, ApprovalView, TaskView
from mission_control.ui.agent_cards import AgentAction, AgentCard
from mission_control.ui.cards import PRIORITY_COLORS, age_of
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login
from mission_control.ui.token_panel import CHANGES_TOKENS, TokenPanel

EVERY_KIND = EventFilter(kinds=frozenset(EventKind))  # OUTPUT included: it is asked for by name
RESTATE_EVERY = 15  # seconds: statuses computed on read (offline after silence) are looked at again


def autonomy_label(paused: bool) -> str:
    """What the switch means in the state it is in."""
    if paused:
        return "Autonomy paused: no agent picks up work"
    return "Autonomy on: agents pick up work"


@dataclass
class Snapshot:
    autonomy: control.Autonomy
    agents: list[AgentView]
    doing: dict[int, TaskView]
    pending: list[ApprovalView]
    budgets: dict[str, BudgetState] = field(default_factory=dict)
    outputs: dict[str, AgentOutput] = field(default_factory=dict)
    workloads: dict[str, Workload] = field(default_factory=dict)


Decide = Callable[[int, bool], Awaitable[None]]


class ApprovalRow(ui.row):
    """A pickup waiting for the operator: who wants which task (linked, with priority and
    tags), since when, and the two buttons."""

    def __init__(self, approval: ApprovalView, decide: Decide | None) -> None:
        super().__init__()
        self.requested_at = approval.requested_at
        task = approval.task
        self.classes("items-center gap-2").mark(f"approval-{approval.id}")
        self.props(f"data-approval={approval.id}")
        with self:
            ui.icon("front_hand", color="warning")
            ui.label(approval.agent).classes("font-medium")
            ui.label("wants")
            ui.link(f"#{task.id} {task.title}", f"/task/{task.id}").mark(
                f"approval-task-{approval.id}"
            )
            if task.priority is not None:
                ui.badge(f"P{task.priority}", color=PRIORITY_COLORS.get(task.priority, "grey"))
            for tag in task.tags:
                ui.badge(tag, color="teal").props("outline")
            self.asked = ui.label("").classes("text-slate-500")
            if decide is not None:
                approval_id = approval.id
                ui.button(
                    "Approve", icon="check", on_click=lambda: decide(approval_id, True)
                ).props("dense").mark(f"approve-{approval_id}")
                ui.button(
                    "Decline", icon="close", on_click=lambda: decide(approval_id, False)
                ).props("dense outline").mark(f"decline-{approval_id}")
        self.tick()

    def tick(self) -> None:
        self.asked.set_text(f"asked {age_of(self.requested_at)} ago")


class ActivityView:
    """The page's parts, built once; `refresh` brings them up to date in place."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ctx = session.runtime.ctx
        self.cards: dict[str, AgentCard] = {}
        self.approval_rows: dict[int, ApprovalRow] = {}
        self.state = control.Autonomy(paused=False, mode=AutonomyMode.AUTO)
        self.tokens: TokenPanel | None = None
        self.reassigning = ""
        self.ticks = 0
        self._refreshing = asyncio.Lock()

    def build(self) -> None:
        self._autonomy()
        with ui.row().classes("items-center gap-2 mt-2"):
            ui.icon("smart_toy")
            self.agents_title = ui.label("Agents").classes("text-lg font-bold")
        self.card_row = ui.row().classes("w-full gap-3 items-start")
        with ui.row().classes("items-center gap-2 mt-4"):
            ui.icon("front_hand")
            self.approvals_title = ui.label("").classes("text-lg font-bold")
        self.approval_list = ui.column().classes("gap-1")
        if self.session.actor.role is Role.OPERATOR:
            self.tokens = TokenPanel(self.session)
        self._reassign_dialog()

    async def fetch(self) -> Snapshot:
        """Read everything first, so an update swaps content without an empty moment."""
        rows = await agents.list_agents(self.ctx)
        return Snapshot(
            autonomy=await control.get_autonomy(self.ctx),
            agents=rows,
            doing=await agents.current_tasks([row.id for row in rows]),
            pending=await approvals.list_approvals(),
            budgets=await budget_states(self.ctx, [(row.id, row.name) for row in rows]),
            outputs=await output_tails([row.name for row in rows]),
            workloads=await agents.workloads(rows),
        )

    async def refresh(self, events: list[EventRecord] | None = None) -> None:
        """Bring the page up to date after these Events (None: everything)."""
        async with self._refreshing:
            kinds = {event.kind for event in events} if events is not None else None
            if kinds == {EventKind.OUTPUT}:
                names = {event.agent_name for event in events or [] if event.agent_name}
                for name, output in (await output_tails(sorted(names))).items():
                    if name in self.cards:
                        self.cards[name].show_output(output)
                return
            self.show(await self.fetch())
            if self.tokens is not None and (kinds is None or kinds & CHANGES_TOKENS):
                await self.tokens.load()

    def show(self, snapshot: Snapshot) -> None:
        self._show_autonomy(snapshot.autonomy)
        self.agents_title.set_text(f"Agents ({len(snapshot.agents)})")
        actions = self.actions() if self.session.can_write else None
        for index, row in enumerate(snapshot.agents):
            card = self.cards.get(row.name)
            if card is None:
                with self.card_row:
                    card = self.cards[row.name] = AgentCard(row.name, actions)
                card.move(target_index=index)
            card.show(
                row,
                snapshot.doing.get(row.id),
                snapshot.budgets.get(row.name),
                snapshot.outputs.get(row.name),
            )
            card.show_workload(snapshot.workloads.get(row.name))
        self._show_approvals(snapshot.pending)

    def _show_approvals(self, pending: list[ApprovalView]) -> None:
        self.approvals_title.set_text(f"Waiting for approval ({len(pending)})")
        wanted = {approval.id for approval in pending}
        for approval_id in set(self.approval_rows) - wanted:
            self.approval_list.remove(self.approval_rows.pop(approval_id))
        decide = self.decide if self.session.can_write else None
        for approval in pending:
            if approval.id not in self.approval_rows:
                with self.approval_list:
                    self.approval_rows[approval.id] = ApprovalRow(approval, decide)

    async def decide(self, approval_id: int, approve: bool) -> None:
        async def act(actor: Actor) -> object:
            return await approvals.decide_approval(self.ctx, actor, approval_id, approve)

        await self.act(act, "Granted" if approve else "Declined")

    async def act(self, action: Callable[[Actor], Awaitable[object]], done: str) -> None:
        if await self.session.run(action) is not None:
            ui.notify(done, type="positive")
        await self.refresh()

    async def tick(self) -> None:
        """Each second: the clocks; now and then, the statuses computed on read."""
        for card in self.cards.values():
            card.tick()
        for row in self.approval_rows.values():
            row.tick()
        self.ticks += 1
        if self.ticks % RESTATE_EVERY == 0:
            await self.refresh()

    def _autonomy(self) -> None:
        with ui.row().classes("items-center gap-4"):
            self.switch = ui.switch(autonomy_label(False), value=True).mark("autonomy-switch")
            self.mode = ui.toggle({AutonomyMode.AUTO: "auto", AutonomyMode.MANUAL: "manual"})
            self.mode.value = AutonomyMode.AUTO
            self.mode.mark("autonomy-mode")
        if not self.session.can_write:
            self.switch.disable()
            self.mode.disable()
            return

        async def set_paused() -> None:
            paused = not self.switch.value
            if paused == self.state.paused:
                return  # the page showing the current state, not a click

            async def act(actor: Actor) -> object:
                return await control.set_autonomy(self.ctx, actor, paused=paused)

            await self.act(act, "Autonomy paused" if paused else "Autonomy on")

        async def set_mode() -> None:
            mode = AutonomyMode(self.mode.value)
            if mode == self.state.mode:
                return

            async def act(actor: Actor) -> object:
                return await control.set_autonomy(self.ctx, actor, mode=mode)

            await self.act(act, f"Mode: {mode}")

        self.switch.on_value_change(set_paused)
        self.mode.on_value_change(set_mode)

    def _show_autonomy(self, state: control.Autonomy) -> None:
        self.state = state  # first, so the switch's own change handler sees no click
        self.switch.value = not state.paused
        self.switch.set_text(autonomy_label(state.paused))
        self.switch.props(f"color={'negative' if state.paused else 'positive'}")
        self.mode.value = state.mode

    def actions(self) -> dict[str, AgentAction]:
        ctx = self.ctx

        async def pause(name: str) -> None:
            await self.act(lambda actor: agents.pause_agent(ctx, actor, name), f"{name} paused")

        async def resume(name: str) -> None:
            await self.act(lambda actor: agents.resume_agent(ctx, actor, name), f"{name} resumed")

        async def cancel(name: str) -> None:
            await self.act(
                lambda actor: agents.cancel_agent_work(
                    ctx, actor, name, "cancelled from the board"
                ),
                f"{name}'s task is back in ready",
            )

        return {
            "pause": pause,
            "resume": resume,
            "cancel": cancel,
            "reassign": self.reassign_dialog,
        }

    def _reassign_dialog(self) -> None:
        with ui.dialog() as self.dialog, ui.card():
            self.reassign_title = ui.label("")
            self.reassign_to = ui.input("Agent").mark("reassign-to")

            async def move() -> None:
                name, target = self.reassigning, (self.reassign_to.value or "").strip()

                async def act(actor: Actor) -> object:
                    return await agents.reassign_agent_work(self.ctx, actor, name, target)

                self.dialog.close()
                await self.act(act, f"Reassigned to {target}")

            ui.button("Reassign", on_click=move).mark("reassign-confirm")

    def reassign_dialog(self, name: str) -> None:
        """Take the task back from `name` and suggest it to another agent."""
        self.reassigning = name
        self.reassign_title.set_text(f"Give {name}'s task to another agent")
        self.reassign_to.value = ""
        self.dialog.open()


def register_agents(runtime: Runtime) -> None:
    @ui.page("/agents", title="Mission Control · agents")
    async def agents_page() -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, "Agents")
        view = ActivityView(session)
        since = runtime.hub.cursor
        view.build()
        await view.refresh()
        ui.timer(1.0, view.tick)
        feed = LiveFeed(runtime.hub, view.refresh, since=since, event_filter=EVERY_KIND)
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
