"""Slack's durable queue: Events waiting to be posted, the resume point, and task threads.

The Slack adapter (slack/notifier.py) does the posting; this is what it keeps in the database,
handed out as plain values (the task as a TaskView, the thread as a Thread).

Writing the outbox is separate from posting it, so a Slack outage only grows this table; no
mutation ever waits on Slack. Rows are unique per Event, so two writers (two server processes,
or a restart that replays a few Events) never queue an Event twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Approval, Control, Event, SlackOutbox, SlackThread, Task
from mission_control.store.context import Context
from mission_control.store.journal import to_record
from mission_control.store.views import TaskView, task_view

CURSOR_KEY = "slack.notifier.cursor"


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a task's messages go: the channel and the timestamp of its first message."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class Pending:
    """One queued Event with what a message about it needs."""

    row_id: int
    event: EventRecord
    task: TaskView | None
    thread: Thread | None
    approval_id: int | None = None


async def read_cursor() -> int | None:
    """The last Event id the notifier has looked at, None before its first run."""
    row = await Control.filter(key=CURSOR_KEY).first()
    return int(row.value) if row is not None else None


async def queue_events(ctx: Context, events: Sequence[EventRecord], up_to: int) -> None:
    """Queue these Events and move the resume point to `up_to`, in one transaction."""
    async with in_transaction() as conn:
        if events:
            now = ctx.clock()
            await SlackOutbox.bulk_create(
                [SlackOutbox(event_id=e.id, task_id=e.task_id, created_at=now) for e in events],
                ignore_conflicts=True,
                using_db=conn,
            )
        row = await Control.filter(key=CURSOR_KEY).using_db(conn).first()
        if row is None:
            await Control.create(key=CURSOR_KEY, value=up_to, using_db=conn)
        elif int(row.value) < up_to:
            await Control.filter(key=CURSOR_KEY).using_db(conn).update(value=up_to)


async def pending(limit: int = 50) -> list[Pending]:
    """The oldest unsent Events, in Event order so a task's first message opens its thread."""
    rows = await SlackOutbox.filter(sent_at__isnull=True).order_by("event_id").limit(limit)
    if not rows:
        return []
    events = {e.id: e for e in await Event.filter(id__in=[r.event_id for r in rows])}
    task_ids = {r.task_id for r in rows if r.task_id is not None}
    found_tasks = Task.filter(id__in=task_ids).prefetch_related("assignee")
    tasks = {t.id: task_view(t) for t in await found_tasks}
    threads = {
        t.task_id: Thread(t.channel, t.ts) for t in await SlackThread.filter(task_id__in=task_ids)
    }
    found = []
    for row in rows:
        event = events.get(row.event_id)
        if event is None:
            continue
        task = tasks.get(row.task_id) if row.task_id is not None else None
        thread = threads.get(row.task_id) if row.task_id is not None else None
        record = to_record(event)
        found.append(Pending(row.id, record, task, thread, await _approval_of(record)))
    return found


async def _approval_of(event: EventRecord) -> int | None:
    """The approval an approval-needed Event is about, for its Approve/Decline buttons."""
    if event.kind is not EventKind.APPROVAL_REQUESTED:
        return None
    given = event.payload.get("approval_id") or event.payload.get("approvalId")
    if given is not None:
        return int(given)
    row = await Approval.filter(task_id=event.task_id).order_by("-id").first()
    return row.id if row is not None else None


async def thread_of(task_id: int) -> Thread | None:
    """Where a task's messages go, once its first one has been posted."""
    row = await SlackThread.filter(task_id=task_id).first()
    return Thread(row.channel, row.ts) if row is not None else None


async def mark_sent(ctx: Context, item: Pending, channel: str, ts: str) -> None:
    """Record the post; a task's first message becomes the root of its thread."""
    async with in_transaction() as conn:
        await SlackOutbox.filter(id=item.row_id).using_db(conn).update(sent_at=ctx.clock())
        if item.task is not None and item.thread is None:
            exists = await SlackThread.filter(task_id=item.task.id).using_db(conn).exists()
            if not exists:
                await SlackThread.create(
                    task_id=item.task.id, channel=channel, ts=ts, using_db=conn
                )


async def mark_failed(item: Pending, error: str) -> int:
    """Keep the row for the next drain, say why this attempt failed; returns the attempts."""
    row = await SlackOutbox.get(id=item.row_id)
    await SlackOutbox.filter(id=item.row_id).update(
        attempts=row.attempts + 1, last_error=error[:1000]
    )
    return row.attempts + 1


async def give_up(ctx: Context, item: Pending, error: str) -> None:
    """Stop offering a message Slack keeps refusing, so it does not hold up the ones after it.

    The row stays, with `sent_at` set and the refusal in `last_error`, for a person to read.
    """
    await SlackOutbox.filter(id=item.row_id).update(
        sent_at=ctx.clock(), last_error=f"gave up: {error}"[:1000]
    )


async def unsent_count() -> int:
    """How many Events are still waiting for Slack."""
    return await SlackOutbox.filter(sent_at__isnull=True).count()
