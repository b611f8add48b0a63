"""Comment rows: written inside a change, read back as plain frozen views, many tasks at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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


# The newest COMMENTS_SHOWN of each task, picked by the database (a window over the
# (task_id, id) index), so a task with a thread of thousands costs what one of 100 does.
NEWEST_COMMENTS = """
SELECT id, task_id, author, body, created_at FROM (
    SELECT id, task_id, author, body, created_at,
           ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY id DESC) AS newest
    FROM "comments" WHERE "task_id" IN ({ids})
) AS numbered
WHERE newest <= {shown}
ORDER BY task_id, id"""


async def comments_of(task_ids: Iterable[int]) -> dict[int, list[CommentView]]:
    """The comments of each task, oldest first (its newest COMMENTS_SHOWN), in one query."""
    wanted = list(dict.fromkeys(int(task_id) for task_id in task_ids))
    found: dict[int, list[CommentView]] = {task_id: [] for task_id in wanted}
    if not wanted:
        return found
    # The ids are ints (converted above), so writing them into the text is safe and keeps
    # one statement for both dialects' placeholder styles.
    sql = NEWEST_COMMENTS.format(ids=", ".join(map(str, wanted)), shown=COMMENTS_SHOWN)
    rows: list[Comment] = await Comment.raw(sql)
    for row in rows:
        found[row.task_id].append(_view(row))
    return found
