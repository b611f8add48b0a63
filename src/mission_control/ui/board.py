"""The Kanban: a column per status, cards that move by drag and drop, patched live."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from nicegui import ui

from mission_control.domain import limits
from mission_control.domain.actors import Actor
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventRecord
from mission_control.domain.workflow import BOARD_ORDER, TaskStatus
from mission_control.models import Task
from mission_control.services import moves
from mission_control.store import queries
from mission_control.store.tasks import assignee_name
from mission_control.ui.cards import TaskCard
from mission_control.ui.session import Session

PAGE_SIZE = 30


def matches(task: Task, query: queries.TaskQuery) -> bool:
    """The board's filter applied to one task, for cards that arrive live."""
    if query.assignee and assignee_name(task) != query.assignee.strip().lower():
        return False
    if query.tag and query.tag.strip().lower() not in task.tags:
        return False
    if query.priority is not None and task.priority != query.priority:
        return False
    text = (query.text or "").strip().lower()
    return not text or text in task.title.lower() or text in task.description.lower()


@dataclass
class ColumnView:
    status: TaskStatus
    count: ui.badge
    cards: ui.column
    more: ui.button
    ids: list[int] = field(default_factory=list)
    cursor: str | None = None
    has_next: bool = False

    def position_for(self, task_id: int) -> int | None:
        """Where a card goes (newest first), or None when it is beyond the loaded page."""
        index = sum(1 for other in self.ids if other > task_id)
        if index == len(self.ids) and self.has_next:
            return None
        return index


class BoardView:
    """The board one browser sees; `apply` patches only the cards named by new Events."""

    def __init__(self, session: Session, page_size: int = PAGE_SIZE) -> None:
        self.session = session
        self.page_size = page_size
        self.query = queries.TaskQuery()
        self.columns: dict[TaskStatus, ColumnView] = {}
        self.cards: dict[int, TaskCard] = {}
        self.dragging: int | None = None
        self.flushes = 0
        # Loads and live patches await reads between steps; one at a time keeps cards unique.
        self._busy = asyncio.Lock()

    def build(self) -> None:
        with ui.row().classes("w-full no-wrap items-start gap-3 overflow-x-auto"):
            for status in BOARD_ORDER:
                self._build_column(status)

    def _build_column(self, status: TaskStatus) -> None:
        with (
            ui.column()
            .classes("min-w-60 w-60 bg-slate-100 rounded p-2 gap-2")
            .mark(f"column-{status}")
            .props(f"data-status={status}") as box
        ):
            with ui.row().classes("w-full items-center"):
                ui.label(status.replace("_", " ")).classes("font-bold uppercase text-sm")
                ui.space()
                count = ui.badge("0").mark(f"count-{status}")
            cards = ui.column().classes("w-full gap-2")
            more = ui.button(
                "Load more", on_click=lambda: self.session.run(lambda _: self.load_more(status))
            )
            more.props("flat dense").mark(f"more-{status}").set_visibility(False)
        self.columns[status] = ColumnView(status, count, cards, more)
        if self.session.can_write:
            box.on("dragover.prevent", lambda: None)
            box.on("drop", lambda: self.drop(status))

    async def load(self) -> None:
        """Draw every column from scratch with the current filters."""
        async with self._busy:
            await self._load()

    async def _load(self) -> None:
        for card in self.cards.values():
            card.delete()
        self.cards.clear()
        for status, column in self.columns.items():
            column.ids.clear()
            page = await queries.list_tasks(
                replace(self.query, statuses=[status]), first=self.page_size
            )
            column.count.set_text(str(page.total))
            self._append(column, page)

    async def load_more(self, status: TaskStatus) -> None:
        column = self.columns[status]
        async with self._busy:
            page = await queries.list_tasks(
                replace(self.query, statuses=[status]), first=self.page_size, after=column.cursor
            )
            self._append(column, page)

    def _append(self, column: ColumnView, page: queries.TaskPage) -> None:
        for task in page.tasks:
            if task.id not in self.cards:
                self._place(task, column, len(column.ids))
        column.cursor = page.end_cursor or column.cursor
        column.has_next = page.has_next
        column.more.set_visibility(page.has_next)

    def _place(self, task: Task, column: ColumnView, index: int) -> None:
        card = self.cards.get(task.id)
        if card is None:
            with column.cards:
                card = TaskCard(task, self._start_drag, self.session.can_write)
            self.cards[task.id] = card
        else:
            self._forget(task.id)
            card.show(task)
        card.move(column.cards, target_index=index)
        column.ids.insert(index, task.id)

    def _forget(self, task_id: int) -> None:
        for column in self.columns.values():
            if task_id in column.ids:
                column.ids.remove(task_id)

    def _remove(self, task_id: int) -> None:
        card = self.cards.pop(task_id, None)
        if card is not None:
            self._forget(task_id)
            card.delete()

    def _start_drag(self, task_id: int) -> None:
        self.dragging = task_id

    async def drop(self, status: TaskStatus) -> None:
        """A card let go over a column: the move the state machine allows, or the reason not."""
        task_id, self.dragging = self.dragging, None
        card = self.cards.get(task_id) if task_id is not None else None
        if card is None or task_id is None or card.status == status:
            return
        if status is TaskStatus.BLOCKED:
            self.ask_block_reason(task_id)
            return

        async def move(actor: Actor) -> Task:
            return await moves.move_task(self.session.runtime.ctx, actor, task_id, status)

        if await self.session.run(move) is not None:
            await self.refresh([task_id])

    def ask_block_reason(self, task_id: int) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(f"Block task #{task_id}: what is it waiting for?")
            reason = ui.input("Reason").mark("block-reason")

            async def block() -> None:
                async def act(actor: Actor) -> Task:
                    text = reason.value or ""
                    return await moves.block_task(self.session.runtime.ctx, actor, task_id, text)

                if await self.session.run(act) is not None:
                    dialog.close()
                    await self.refresh([task_id])

            with ui.row():
                ui.button("Block", on_click=block).mark("block-confirm")
                ui.button("Cancel", on_click=dialog.close).props("flat")
        dialog.open()

    async def apply(self, events: list[EventRecord]) -> None:
        """A flush from the live feed: redraw the cards its Events name, then the counts."""
        self.flushes += 1
        ids = list(dict.fromkeys(e.task_id for e in events if e.task_id is not None))
        if ids:
            # Counts change only when a task enters or leaves a column (a status in the Event).
            await self.refresh(ids, recount=any(e.to_status is not None for e in events))

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
            if not matches(task, self.query):
                self._remove(task_id)
                continue
            card = self.cards.get(task_id)
            if card is not None and task_id in column.ids:
                card.show(task)
                continue
            self._forget(task_id)
            index = column.position_for(task_id)
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
