"""One change = one transaction: the rows, their Events, then the announcement after commit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event
from mission_control.store.context import Context

# Held from the Event insert to commit on PostgreSQL, so Event ids become visible in id order
# and a reader that has seen id N has seen every committed id below it (see bus/hub.py).
EVENT_ORDER_LOCK = 7_362_001


@dataclass
class Change:
    """An open transaction collecting the Events it will commit."""

    conn: BaseDBAsyncClient
    now: datetime
    pending: list[Event] = field(default_factory=list)
    written: list[Event] = field(default_factory=list)

    def record(
        self,
        kind: EventKind,
        actor: str,
        *,
        task_id: int | None = None,
        agent_name: str | None = None,
        from_status: TaskStatus | None = None,
        to_status: TaskStatus | None = None,
        **payload: Any,
    ) -> None:
        """Add an Event to be written with this change."""
        self.pending.append(
            Event(
                kind=str(kind),
                actor=actor,
                task_id=task_id,
                agent_name=agent_name,
                from_status=str(from_status) if from_status else None,
                to_status=str(to_status) if to_status else None,
                payload={k: v for k, v in payload.items() if v is not None},
                created_at=self.now,
            )
        )

    async def flush(self) -> None:
        if not self.pending:
            return
        if self.conn.capabilities.dialect == "postgres":
            await self.conn.execute_query("SELECT pg_advisory_xact_lock($1)", [EVENT_ORDER_LOCK])
        for event in self.pending:
            await event.save(using_db=self.conn)
        self.written.extend(self.pending)
        self.pending.clear()


@contextlib.asynccontextmanager
async def change(ctx: Context) -> AsyncIterator[Change]:
    """Open a transaction; on success its Events are committed and then announced."""
    async with in_transaction() as conn:
        current = Change(conn=conn, now=ctx.clock())
        yield current
        await current.flush()
    if current.written:
        await ctx.publisher.published(max(e.id for e in current.written))


def to_record(row: Event) -> EventRecord:
    """The subscriber's view of an Event row."""
    return EventRecord(
        id=row.id,
        kind=EventKind(row.kind),
        actor=row.actor,
        created_at=row.created_at,
        task_id=row.task_id,
        agent_name=row.agent_name,
        from_status=TaskStatus(row.from_status) if row.from_status else None,
        to_status=TaskStatus(row.to_status) if row.to_status else None,
        payload=dict(row.payload or {}),
    )


class DatabaseEventStore:
    """The bus hub's reader of committed Events."""

    async def after(self, event_id: int, limit: int) -> Sequence[EventRecord]:
        rows = await Event.filter(id__gt=event_id).order_by("id").limit(limit)
        return [to_record(row) for row in rows]

    async def last_id(self) -> int:
        row = await Event.all().order_by("-id").first()
        return row.id if row else 0
