"""The webhook outbox: Events queued per endpoint, claimed by one sender, retried with backoff.

Same design as Slack's outbox: queueing is apart from sending, so a dead endpoint only grows
this table and never slows a change. Rows are unique per (webhook, Event), so every process
may queue. Any process may send: a sender claims due rows with one conditional UPDATE
(`FOR UPDATE SKIP LOCKED` on PostgreSQL) that sets a short lease, so each row has one sender at
a time and a sender that dies is replaced when its lease runs out. A row is due only when no
earlier row of the same webhook and task is still open, so each endpoint receives a task's
Events in order, even while an earlier one is being retried. The sending itself (HTTP, the
signature) is `webhooks/sender.py`'s; this module holds the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from mission_control.domain.events import EventFilter, EventKind, EventRecord, Position
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Control, Event, Webhook, WebhookDelivery
from mission_control.store.context import Context
from mission_control.store.event_log import positions_of
from mission_control.store.journal import to_record

CURSOR_KEY = "webhooks.cursor"
CLAIM_LEASE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Due:
    """One claimed delivery: the Event, where it goes and with which secret."""

    delivery_id: int
    attempts: int
    event: EventRecord
    url: str
    secret: str
    webhook_id: int


def filter_of(webhook: Webhook) -> EventFilter:
    """The webhook's Event filter, in the domain's own terms."""
    return EventFilter(
        kinds=frozenset(EventKind(kind) for kind in webhook.kinds or []),
        statuses=frozenset(TaskStatus(status) for status in webhook.statuses or []),
        agent_name=webhook.agent_name,
    )


async def read_cursor() -> int | None:
    """The last Event id the queueing has looked at, None before its first run."""
    row = await Control.filter(key=CURSOR_KEY).first()
    return int(row.value) if row is not None else None


# The Events after which the set of live webhooks (or where one starts) may differ.
CHANGES_HOOKS = frozenset(
    {EventKind.WEBHOOK_REGISTERED, EventKind.WEBHOOK_REPLAYED, EventKind.WEBHOOK_REMOVED}
)


class LiveWebhooks:
    """The live webhooks, where each starts and its filter, read once and again only after an
    Event that changes them: a follower sees every Event in delivery order, so it reads the
    table once per such change, not once per Event (every process follows)."""

    def __init__(self) -> None:
        self._hooks: list[tuple[Webhook, Position, EventFilter]] | None = None

    def saw(self, event: EventRecord) -> None:
        if event.kind in CHANGES_HOOKS:
            self._hooks = None

    async def read(self) -> list[tuple[Webhook, Position, EventFilter]]:
        if self._hooks is None:
            hooks = await Webhook.filter(removed_at__isnull=True)
            # A webhook gets the Events after its own registration Event in delivery order,
            # which on PostgreSQL is not id order (store/event_log.py).
            starts = await positions_of([hook.after_event_id for hook in hooks]) if hooks else {}
            self._hooks = [(hook, starts[hook.after_event_id], filter_of(hook)) for hook in hooks]
        return self._hooks


async def queue_events(
    ctx: Context,
    events: Sequence[EventRecord],
    up_to: int,
    *,
    save_cursor: bool = True,
    live: LiveWebhooks | None = None,
) -> int:
    """Queue each Event for every live webhook it matches and move the resume point, in one
    transaction (the point alone is written only with `save_cursor`). Returns how many
    deliveries were queued. A follower passes its `live` webhooks (read again only after an
    Event that changes them); without it they are read here."""
    rows: list[WebhookDelivery] = []
    if events:
        live = live or LiveWebhooks()
        for event in events:
            live.saw(event)
        hooks = await live.read()
        now = ctx.clock()
        for event in events:
            for hook, start, wanted in hooks:
                if event.position > start and wanted.matches(event):
                    rows.append(
                        WebhookDelivery(
                            webhook_id=hook.id,
                            event_id=event.id,
                            task_key=event.task_id or 0,
                            created_at=now,
                            next_attempt_at=now,
                        )
                    )
    if not rows and not save_cursor:
        return 0
    async with in_transaction() as conn:
        if rows:
            await WebhookDelivery.bulk_create(rows, ignore_conflicts=True, using_db=conn)
        cursor = await Control.filter(key=CURSOR_KEY).using_db(conn).first()
        if cursor is None:
            await Control.create(key=CURSOR_KEY, value=up_to, using_db=conn)
        elif int(cursor.value) < up_to:
            await Control.filter(key=CURSOR_KEY).using_db(conn).update(value=up_to)
    return len(rows)


_CLAIM = """
UPDATE webhook_deliveries SET claimed_until = {until}, claimed_by = {who}, attempts = attempts + 1
WHERE id IN (
    SELECT d.id FROM webhook_deliveries d
    WHERE d.done_at IS NULL AND d.next_attempt_at <= {now}
      AND (d.claimed_until IS NULL OR d.claimed_until < {now})
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries e
          WHERE e.webhook_id = d.webhook_id AND e.task_key = d.task_key
            AND e.done_at IS NULL AND e.event_id < d.event_id)
    ORDER BY d.event_id
    LIMIT {limit}
    {lock}
)
RETURNING id, webhook_id, event_id, attempts
"""


async def claim_due(ctx: Context, sender: str, limit: int = 20) -> list[Due]:
    """Take up to `limit` due deliveries for this sender, oldest Event first."""
    now = ctx.clock()
    until = now + timedelta(seconds=CLAIM_LEASE_SECONDS)
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        sql = _CLAIM.format(
            until="$1", who="$2", now="$3", limit="$4", lock="FOR UPDATE SKIP LOCKED"
        )
        params: list[object] = [until, sender, now, limit]
    else:  # SQLite: one writer at a time, the UPDATE alone is atomic
        sql = _CLAIM.format(until="?", who="?", now="?", limit="?", lock="")
        params = [_sqlite_time(until), sender, _sqlite_time(now), _sqlite_time(now), limit]
    async with in_transaction() as tx:
        rows = await tx.execute_query_dict(sql, params)
    if not rows:
        return []
    events = {e.id: e for e in await Event.filter(id__in=[r["event_id"] for r in rows])}
    hooks = {h.id: h for h in await Webhook.filter(id__in={r["webhook_id"] for r in rows})}
    claimed = []
    for row in sorted(rows, key=lambda r: int(r["event_id"])):
        event, hook = events.get(row["event_id"]), hooks.get(row["webhook_id"])
        if event is None or hook is None:
            await _close(row["id"], now, failed=True, error="the Event or webhook is gone")
            continue
        claimed.append(
            Due(row["id"], int(row["attempts"]), to_record(event), hook.url, hook.secret, hook.id)
        )
    return claimed


def _sqlite_time(moment: datetime) -> str:
    """How Tortoise stores datetimes in SQLite, so text comparison orders them."""
    return moment.isoformat(" ")


async def _close(delivery_id: int, now: datetime, *, failed: bool, error: str | None) -> None:
    await WebhookDelivery.filter(id=delivery_id).update(
        done_at=now, failed=failed, claimed_until=None, last_error=error
    )


async def mark_delivered(ctx: Context, item: Due, status: int) -> None:
    """The endpoint answered 2xx: the delivery is done, the webhook is healthy."""
    now = ctx.clock()
    async with in_transaction() as conn:
        await (
            WebhookDelivery.filter(id=item.delivery_id)
            .using_db(conn)
            .update(done_at=now, claimed_until=None, last_status=status, last_error=None)
        )
        await (
            Webhook.filter(id=item.webhook_id)
            .using_db(conn)
            .update(
                last_status=status,
                last_error=None,
                last_attempt_at=now,
                last_delivered_at=now,
                failures=0,
            )
        )


async def mark_failed(ctx: Context, item: Due, status: int, error: str) -> bool:
    """Keep the delivery for a retry after a backoff, or give up after the last attempt.
    Returns True when it was given up (it stays visible and replayable)."""
    settings = ctx.settings
    now = ctx.clock()
    give_up = item.attempts >= settings.webhook_max_attempts
    wait = min(
        settings.webhook_retry_max_seconds,
        settings.webhook_retry_base_seconds * 2 ** (item.attempts - 1),
    )
    async with in_transaction() as conn:
        await (
            WebhookDelivery.filter(id=item.delivery_id)
            .using_db(conn)
            .update(
                claimed_until=None,
                last_status=status,
                last_error=error[:1000],
                next_attempt_at=now + timedelta(seconds=wait),
                done_at=now if give_up else None,
                failed=give_up,
            )
        )
        await (
            Webhook.filter(id=item.webhook_id)
            .using_db(conn)
            .update(
                last_status=status,
                last_error=error[:1000],
                last_attempt_at=now,
                failures=F("failures") + 1,
            )
        )
    return give_up


async def next_due_at() -> datetime | None:
    """When the earliest open delivery is due (for the sender's sleep)."""
    row = await WebhookDelivery.filter(done_at__isnull=True).order_by("next_attempt_at").first()
    return row.next_attempt_at if row is not None else None
