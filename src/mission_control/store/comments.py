"""Comment rows: written inside a change, read back as plain frozen views, many tasks at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.models import Comment
from mission_control.store.journal import Change

# The most comments a task shows (the newest ones): a bound on every answer that lists them.
COMMENTS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class CommentView:
    """One comment as everything above the store sees it."""

    id: int
    task_id: int
    author: str
    body: str
    created_at: datetime


def _view(row: Comment) -> CommentView:
    return CommentView(row.id, row.task_id, row.author, row.body, row.created_at)


async def insert_comment(ch: Change, task_id: int, author: str, body: str) -> CommentView:
    """Write a comment into the open change (its Event is the caller's to record)."""
    row = await Comment.create(
        task_id=task_id, author=author, body=body, created_at=ch.now, using_db=ch.conn
    )
    return _view(row)


async def comments_of(
    task_ids: Iterable[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, list[CommentView]]:
    """The comments of each task, oldest first (its newest COMMENTS_SHOWN), in one query."""
    wanted = list(dict.fromkeys(task_ids))
    found: dict[int, list[CommentView]] = {task_id: [] for task_id in wanted}
    if not wanted:
        return found
    rows = await Comment.filter(task_id__in=wanted).using_db(conn).order_by("task_id", "id")
    for row in rows:
        found[row.task_id].append(_view(row))
    return {task_id: views[-COMMENTS_SHOWN:] for task_id, views in found.items()}
