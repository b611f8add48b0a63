"""The Kanban: a column per status, cards that move by drag and drop, patched live.

Cards are sorted by priority like claims (or by age); Done and Cancelled start collapsed to
their count. The columns scroll sideways with a visible scrollbar and edge shadows.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from nicegui import ui

from mission_control.domain import limits
from mission_control.domain.actors import Actor
from mission_control.domain.agents import AgentStatus
from mission_control.domain.board_order import CardKey, CardOrder, card_key
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.workflow import BOARD_ORDER, TERMINAL_STATUSES, TaskStatus
from mission_control.services import moves
from mission_control.services.agents import list_agents
from mission_control.store import queries
from mission_control.store.views import TaskView
from mission_control.ui.board_columns import ColumnView, matches
from mission_control.ui.board_moves import (
    Undo,
    ask_block_reason,
    ask_feedback,
    confirm_close,
    undo_toast,
)
from mission_control.ui.cards import AgentState, TaskCard
from mission_control.ui.session import Session

PAGE_SIZE = 30
COLLAPSED_AT_START = TERMINAL_STATUSES
# Events that change how an agent shows on a card, besides the task Events themselves.
AGENT_KINDS = frozenset({EventKind.HEARTBEAT, EventKind.AGENT_UPDATED, EventKind.AGENT_REGISTERED})


class BoardView:
    """The board one browser sees; `apply` patches only the cards named by new Events."""

    def __init__(
        self, session: Session, page_size: int = PAGE_SIZE, order: CardOrder = CardOrder.PRIORITY
    ) -> None:
        self.session = session
        self.page_size = page_size
        self.order = order
        self.query = queries.TaskQuery()
        self.columns: dict[TaskStatus, ColumnView] = {}
        self.cards: dict[int, TaskCard] = {}
        self.agents: dict[str, AgentState] = {}
        self.dragging: int | None = None
        self.focused: int | None = None
        self.flushes = 0
        # Loads and live patches await reads between steps; one at a time keeps cards unique.
        self._busy = asyncio.Lock()

    def build(self) -> None:
        with ui.row().classes("mc-board w-full no-wrap items-start gap-3").mark("board"):
            for status in BOARD_ORDER:
                self._build_column(status)

    def _build_column(self, status: TaskStatus) -> None:
        collapsed = status in COLLAPSED_AT_START
        with (
            ui.column()
            .classes("mc-column min-w-56 w-56 rounded p-2 gap-2 shrink-0")
            .mark(f"column-{status}")
            .props(f"data-status={status}") as box
        ):
            with ui.row().classes("mc-col-head w-full items-center gap-1 no-wrap"):
                ui.label(status.replace("_", " ")).classes(
                    "mc-col-name font-bold uppercase text-sm truncate"
                )
                ui.space()
                count = ui.badge("0").mark(f"count-{status}")
                if status in COLLAPSED_AT_START:
                    ui.button(icon="unfold_more", on_click=lambda: self.toggle(status)).props(
                        "flat dense round size=sm"
                    ).mark(f"toggle-{status}").tooltip("Show or hide the cards")
            cards = ui.column().classes("w-full gap-2")
            more = ui.button(
                "Load more", on_click=lambda: self.session.run(lambda _: self.load_more(status))
            )
            more.props("flat dense").mark(f"more-{status}").set_visibility(False)
        column = ColumnView(status, box, count, cards, more)
        self.columns[status] = column
        self._set_collapsed(column, collapsed)
        if self.session.can_write:
            box.on("dragover.prevent", lambda: None)
            box.on("drop", lambda: self.drop(status))

    def _set_collapsed(self, column: ColumnView, collapsed: bool) -> None:
        column.collapsed = collapsed
        if collapsed:
            column.box.classes(add="mc-collapsed")
        else:
            column.box.classes(remove="mc-collapsed")
        column.cards.set_visibility(not collapsed)
        if collapsed:
            column.more.set_visibility(False)

    async def toggle(self, status: TaskStatus) -> None:
        """Expand a collapsed column (its first cards load) or collapse it to its count."""
        column = self.columns[status]
        async with self._busy:
            for task_id in list(column.ids):
                self._remove(task_id)
            self._set_collapsed(column, not column.collapsed)
            if not column.collapsed:
                await self._load_column(column)

    async def load(self) -> None:
        """Draw every column from scratch with the current filters and order."""
        async with self._busy:
            for card in self.cards.values():
                card.delete()
            self.cards.clear()
            self.agents = await self._agent_states()
            for column in self.columns.values():
                column.ids.clear()
                column.keys.clear()
                if not column.collapsed:
                    await self._load_column(column)
            await self.recount()

    async def _load_column(self, column: ColumnView) -> None:
        rows, has_next = await queries.column_cards(
            replace(self.query, statuses=[column.status]), self.order, self.page_size
        )
        self._append(column, rows, has_next)

    async def load_more(self, status: TaskStatus) -> None:
        column = self.columns[status]
        async with self._busy:
            rows, has_next = await queries.column_cards(
                replace(self.query, statuses=[status]),
                self.order,
                self.page_size,
                offset=len(column.ids),
            )
            self._append(column, rows, has_next)

    def _append(self, column: ColumnView, rows: list[TaskView], has_next: bool) -> None:
        for task in rows:
            if task.id not in self.cards:
                self._place(task, column, len(column.ids))
        column.has_next = has_next
        column.more.set_visibility(has_next and not column.collapsed)

    def _key(self, task: TaskView) -> CardKey:
        return card_key(self.order, task.priority, task.created_at, task.id)

    def _agent_of(self, task: TaskView) -> AgentState | None:
        name = task.assignee
        return self.agents.get(name) if name else None

    def _place(self, task: TaskView, column: ColumnView, index: int) -> None:
        card = self.cards.get(task.id)
        if card is None:
            with column.cards:
                card = TaskCard(
                    task, self._start_drag, self.session.can_write, self._agent_of(task)
                )
            self.cards[task.id] = card
        else:
            self._forget(task.id)
            card.show(task, self._agent_of(task))
        card.move(column.cards, target_index=index)
        column.ids.insert(index, task.id)
        column.keys[task.id] = self._key(task)

    def _forget(self, task_id: int) -> None:
        for column in self.columns.values():
            if task_id in column.ids:
                column.ids.remove(task_id)
                column.keys.pop(task_id, None)

    def _remove(self, task_id: int) -> None:
        card = self.cards.pop(task_id, None)
        if card is not None:
            self._forget(task_id)
            card.delete()
        if self.focused == task_id:
            self.focused = None

    def _start_drag(self, task_id: int) -> None:
        self.dragging = task_id

    async def drop(self, status: TaskStatus) -> None:
        """A card let go over a column: ask first where the move needs it (a reason, or a
        confirmation before closing), else move at once and offer to undo."""
        task_id, self.dragging = self.dragging, None
        card = self.cards.get(task_id) if task_id is not None else None
        if card is None or task_id is None or card.status == status:
            return
        if status is TaskStatus.BLOCKED:
            ask_block_reason(self.session, task_id, self.refresh)
            return
        if status in TERMINAL_STATUSES:
            confirm_close(self.session, task_id, status, self.refresh)
            return
        if card.status is TaskStatus.REVIEW and status is TaskStatus.IN_PROGRESS:
            ask_feedback(self.session, task_id, self.refresh)
            return
        try:
            before = await queries.get_task(task_id)
        except NotFound:
            await self.refresh([task_id])
            return
        undo = Undo(task_id, before.status, before.assignee, before.block_reason)

        async def move(actor: Actor) -> TaskView:
            return await moves.move_task(self.session.runtime.ctx, actor, task_id, status)

        moved = await self.session.run(move)
        await self.refresh([task_id])
        if moved is not None:
            undo_toast(self.session, undo, moved.status, self.refresh)

    async def apply(self, events: list[EventRecord]) -> None:
        """A flush from the live feed: redraw the cards its Events name, then the counts."""
        self.flushes += 1
        ids = list(dict.fromkeys(e.task_id for e in events if e.task_id is not None))
        if any(e.kind in AGENT_KINDS or (e.agent_name and e.to_status) for e in events):
            await self.refresh_agents()
        if ids:
            # Counts change only when a task enters or leaves a column (a status in the Event).
            await self.refresh(ids, recount=any(e.to_status is not None for e in events))

    async def refresh_agents(self) -> None:
        """Re-read the agents' live states and redraw the cards whose assignee changed."""
        async with self._busy:
            states = await self._agent_states()
            changed = {
                name
                for name in states.keys() | self.agents.keys()
                if states.get(name) != self.agents.get(name)
            }
            self.agents = states
            if not changed:
                return
            for task_id, card in list(self.cards.items()):
                if card.assignee in changed:
                    try:
                        card.show(await queries.get_task(task_id), states.get(card.assignee))
                    except NotFound:
                        self._remove(task_id)

    async def _agent_states(self) -> dict[str, AgentState]:
        return {
            agent.name: AgentState(AgentStatus(agent.status), agent.paused)
            for agent in await list_agents(self.session.runtime.ctx)
        }

    async def refresh(self, task_ids: list[int], recount: bool = True) -> None:
        """Redraw these cards where they now belong, and the counts."""
        async with self._busy:
            await self._refresh(task_ids)
            if recount:
                await self.recount()

    async def _refresh(self, task_ids: list[int]) -> None:
        for task_id in task_ids:
            try:
                task = await queries.get_task(task_id)
            except NotFound:
                self._remove(task_id)
                continue
            column = self.columns[task.status]
            if not matches(task, self.query) or column.collapsed:
                self._remove(task_id)
                continue
            card = self.cards.get(task_id)
            key = self._key(task)
            if card is not None and task_id in column.ids and column.keys[task_id] == key:
                card.show(task, self._agent_of(task))
                continue
            self._forget(task_id)
            index = column.position_for(key)
            if index is None:
                self._remove(task_id)
            else:
                self._place(task, column, index)

    async def recount(self) -> None:
        for column in await queries.board(self.query, per_column=0):
            self.columns[column.status].count.set_text(str(column.count))

    async def set_filters(
        self, text: str | None, tag: str | None, assignee: str | None, priority: int | None
    ) -> None:
        if priority is not None:
            priority = limits.clean_priority(priority)
        self.query = queries.TaskQuery(
            text=text or None, tag=tag or None, assignee=assignee or None, priority=priority
        )
        await self.load()

    async def set_order(self, order: CardOrder) -> None:
        self.order = order
        await self.load()

    def visible_ids(self) -> list[int]:
        """The cards in reading order: column by column, top to bottom."""
        return [task_id for status in BOARD_ORDER for task_id in self.columns[status].ids]

    def move_focus(self, step: int) -> int | None:
        """j/k: put the keyboard focus on the next or previous card."""
        order = self.visible_ids()
        if not order:
            return None
        if self.focused in order:
            index = min(max(order.index(self.focused) + step, 0), len(order) - 1)
        else:
            index = 0 if step > 0 else len(order) - 1
        if self.focused in self.cards:
            self.cards[self.focused].classes(remove="mc-focused")
        self.focused = order[index]
        card = self.cards[self.focused]
        card.classes(add="mc-focused")
        ui.run_javascript(
            f"const el = getHtmlElement({card.id}); "
            "if (el) { el.focus(); el.scrollIntoView({block: 'nearest', inline: 'nearest'}); }"
        )
        return self.focused
