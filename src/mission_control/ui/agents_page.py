"""The agent activity page: who is doing what, pickups waiting for approval, the autonomy switch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor
from mission_control.domain.control import AutonomyMode
from mission_control.domain.events import EventRecord
from mission_control.models import Agent, Approval, Task
from mission_control.runtime import Runtime
from mission_control.services import agents, approvals, control
from mission_control.services.budgets import BudgetState, budget_states
from mission_control.ui.agent_cards import AgentAction, AgentCard
from mission_control.ui.cards import age_of
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login


@dataclass
class Snapshot:
    autonomy: control.Autonomy
    agents: list[Agent]
    doing: dict[int, Task]
    pending: list[Approval]
    budgets: dict[str, BudgetState] = field(default_factory=dict)


class ActivityView:
    """Redrawn as a whole on each coalesced flush: a few dozen agents, not thousands of cards."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ctx = session.runtime.ctx
        self.cards: list[AgentCard] = []
        self.reassigning = ""
        self._drawing = asyncio.Lock()

    async def fetch(self) -> Snapshot:
        """Read everything first, so a redraw swaps content without an empty moment."""
        rows = await agents.list_agents(self.ctx)
        return Snapshot(
            autonomy=await control.get_autonomy(self.ctx),
            agents=rows,
            doing=await agents.current_tasks([row.id for row in rows]),
            pending=await approvals.list_approvals(),
            budgets=await budget_states(self.ctx, [(row.id, row.name) for row in rows]),
        )

    async def redraw(self, _events: list[EventRecord] | None = None) -> None:
        async with self._drawing:
            self.show.refresh(await self.fetch())

    async def act(self, action: Callable[[Actor], Awaitable[object]], done: str) -> None:
        if await self.session.run(action) is not None:
            ui.notify(done, type="positive")
        await self.redraw()

    def tick(self) -> None:
        for card in self.cards:
            card.tick()

    @ui.refreshable_method
    def show(self, snapshot: Snapshot) -> None:
        self.autonomy(snapshot.autonomy)
        ui.label(f"Agents ({len(snapshot.agents)})").classes("text-lg font-bold mt-2")
        self.cards = []
        actions = self.actions() if self.session.can_write else None
        with ui.row().classes("gap-3"):
            for row in snapshot.agents:
                doing, budget = snapshot.doing.get(row.id), snapshot.budgets.get(row.name)
                self.cards.append(AgentCard(row, doing, actions, budget))
        self.approvals(snapshot.pending)

    def autonomy(self, state: control.Autonomy) -> None:
        with ui.row().classes("items-center gap-4"):
            switch = ui.switch("Autonomy paused (no agent picks up work)", value=state.paused)
            switch.mark("autonomy-paused")
            mode = ui.toggle({AutonomyMode.AUTO: "auto", AutonomyMode.MANUAL: "manual"})
            mode.value = state.mode
            mode.mark("autonomy-mode")
            if not self.session.can_write:
                switch.disable()
                mode.disable()
                return

            async def set_paused() -> None:
                async def act(actor: Actor) -> object:
                    return await control.set_autonomy(self.ctx, actor, paused=bool(switch.value))

                await self.act(act, "Autonomy paused" if switch.value else "Autonomy resumed")

            async def set_mode() -> None:
                async def act(actor: Actor) -> object:
                    return await control.set_autonomy(
                        self.ctx, actor, mode=AutonomyMode(mode.value)
                    )

                await self.act(act, f"Mode: {mode.value}")

            switch.on_value_change(set_paused)
            mode.on_value_change(set_mode)

    def approvals(self, pending: list[Approval]) -> None:
        ui.label(f"Waiting for approval ({len(pending)})").classes("text-lg font-bold mt-4")
        for approval in pending:
            with ui.row().classes("items-center gap-3").mark(f"approval-{approval.id}"):
                ui.label(f"{approval.agent.name} wants #{approval.task_id} {approval.task.title}")
                ui.label(f"asked {age_of(approval.requested_at)} ago").classes("text-slate-500")
                if self.session.can_write:
                    approval_id = approval.id

                    def decide(
                        approve: bool, approval_id: int = approval_id
                    ) -> Callable[[], Awaitable[None]]:
                        async def act(actor: Actor) -> object:
                            return await approvals.decide_approval(
                                self.ctx, actor, approval_id, approve
                            )

                        return lambda: self.act(act, "Granted" if approve else "Declined")

                    ui.button("Approve", on_click=decide(True)).props("dense").mark(
                        f"approve-{approval.id}"
                    )
                    ui.button("Decline", on_click=decide(False)).props("dense outline").mark(
                        f"decline-{approval.id}"
                    )

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

    def build_reassign_dialog(self) -> None:
        """Outside the redrawn part, so a live redraw does not close it under the operator."""
        with ui.dialog() as self.dialog, ui.card():
            title = ui.label("")
            other = ui.input("Agent").mark("reassign-to")

            async def move() -> None:
                name, target = self.reassigning, (other.value or "").strip()

                async def act(actor: Actor) -> object:
                    return await agents.reassign_agent_work(self.ctx, actor, name, target)

                self.dialog.close()
                await self.act(act, f"Reassigned to {target}")

            ui.button("Reassign", on_click=move).mark("reassign-confirm")
        self.reassign_title, self.reassign_to = title, other

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
        view.build_reassign_dialog()
        view.show(await view.fetch())
        ui.timer(1.0, view.tick)
        feed = LiveFeed(runtime.hub, view.redraw, since=since)
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
