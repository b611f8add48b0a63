"""A board column as one browser holds it, and the board's filter for cards arriving live."""

from __future__ import annotations

from dataclasses import dataclass, field

from nicegui import ui

from mission_control.domain.board_order import CardKey
from mission_control.domain.workflow import TaskStatus
from mission_control.store import queries
from mission_control.store.views import TaskView


def matches(task: TaskView, query: queries.TaskQuery) -> bool:
    """The board's filter applied to one task, for cards that arrive live."""
    if query.assignee and task.assignee != query.assignee.strip().lower():
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
    box: ui.column
    count: ui.badge
    cards: ui.column
    more: ui.button
    collapsed: bool = False
    ids: list[int] = field(default_factory=list)
    keys: dict[int, CardKey] = field(default_factory=dict)
    has_next: bool = False

    def position_for(self, key: CardKey) -> int | None:
        """Where a card with this key goes, or None when it is beyond the loaded page."""
        index = sum(1 for other in self.ids if self.keys[other] < key)
        if index == len(self.ids) and self.has_next:
            return None
        return index
