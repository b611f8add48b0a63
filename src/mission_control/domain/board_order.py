"""The order of the cards in a board column: by priority like claims, or by age."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from mission_control.domain.limits import PRIORITY_MAX


class CardOrder(StrEnum):
    PRIORITY = "priority"  # most urgent first, then oldest: the order agents claim in
    NEWEST = "newest"
    OLDEST = "oldest"


CardKey = tuple[float, ...]


def card_key(order: CardOrder, priority: int | None, created_at: datetime, task_id: int) -> CardKey:
    """A sort key: a card with a smaller key goes higher in its column."""
    created = created_at.timestamp()
    if order is CardOrder.NEWEST:
        return (-task_id,)
    if order is CardOrder.OLDEST:
        return (task_id,)
    rank = priority if priority is not None else PRIORITY_MAX + 1
    return (rank, created, task_id)
