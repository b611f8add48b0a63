"""Per-answer batching of the relations a Task carries: one query per relation per answer,
whatever the number of tasks in it (a board page, a list, a subscription's Event).

Not cached across loads: a subscription's context lives as long as its connection, and the
relations change under it. Each loader only gathers the keys asked for in one tick.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader

from mission_control.domain.usage import Totals
from mission_control.services.comments import CommentView, comments_of
from mission_control.store.dependencies import depends_on_of
from mission_control.store.queries import subtasks_of
from mission_control.store.usage import tasks_totals
from mission_control.store.views import TaskView

V = TypeVar("V")


def _batched(
    fetch: Callable[[list[int]], Awaitable[Mapping[int, V]]],
) -> DataLoader[int, V]:
    async def load(keys: list[int]) -> list[V]:
        found = await fetch(keys)
        return [found[key] for key in keys]

    return DataLoader(load_fn=load, cache=False)


@dataclass
class Loaders:
    comments: DataLoader[int, list[CommentView]] = field(
        default_factory=lambda: _batched(comments_of)
    )
    subtasks: DataLoader[int, list[TaskView]] = field(default_factory=lambda: _batched(subtasks_of))
    depends_on: DataLoader[int, list[int]] = field(default_factory=lambda: _batched(depends_on_of))
    usage: DataLoader[int, Totals] = field(default_factory=lambda: _batched(tasks_totals))
