"""One change = one transaction: the rows, their Events, then the announcement after commit."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event
from mission_control.store.context import Context

# One statement for all of a change's Events on PostgreSQL. Each row records its writer's
# transaction id (`tx`: delivery order is (tx, id), store/event_log.py) and the oldest
# transaction still running when it was written (`tx_floor`: a lower bound for the tx of any
# Event that takes a later id, used when a reader resumes after an Event that was deleted).
# No lock: writers no longer wait for each other to make ids visible in order.
_INSERT_ROW = (
    "(${}, ${}, ${}, ${}, ${}, ${}, ${}::jsonb, ${}, pg_current_xact_id()::text::bigint,"
    " pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
)
_INSERT = (
    "INSERT INTO events (task_id, agent_name, kind, from_status, to_status, actor, payload,"
    " created_at, tx, tx_floor) VALUES {} RETURNING id, tx"
)
_COLUMNS_PER_ROW = 8
_ROWS_PER_INSERT = 1000  # PostgreSQL takes at most 32,767 parameters a statement
_PAYLOAD = Event._meta.fields_map["payload"]
_CREATED_AT = Event._meta.fields_map["created_at"]


# A change writes a few Events, so a few INSERT texts serve nearly every commit: the 16 last
# used are kept rather than formatted again (a bulk change's large text is kept only briefly).
@functools.lru_cache(maxsize=16)
def insert_statement(rows: int) -> str:
    """The INSERT of `rows` Events ($1..$8 the first row's columns, $9.. the next's)."""
    placeholders = (
        _INSERT_ROW.format(*range(n * _COLUMNS_PER_ROW + 1, (n + 1) * _COLUMNS_PER_ROW + 1))
        for n in range(rows)
    )
    return _INSERT.format(", ".join(placeholders))


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
        """Write the pending Events now (their ids are known afterwards)."""
        if not self.pending:
            return
        if self.conn.capabilities.dialect == "postgres":
            await _insert(self.conn, self.pending)
        else:  # SQLite: one writer at a time, so id order is commit order (tx stays 0)
            for event in self.pending:
                await event.save(using_db=self.conn)
        self.written.extend(self.pending)
        self.pending.clear()


async def _insert(conn: BaseDBAsyncClient, events: list[Event]) -> None:
    """Multi-row INSERTs; the ids come back in VALUES order (the order nextval ran in)."""
    for start in range(0, len(events), _ROWS_PER_INSERT):
        chunk = events[start : start + _ROWS_PER_INSERT]
        values: list[object] = []
        for event in chunk:
            values += [
                event.task_id,
                event.agent_name,
                event.kind,
                event.from_status,
                event.to_status,
                event.actor,
                _PAYLOAD.to_db_value(event.payload, event),
                _CREATED_AT.to_db_value(event.created_at, event),
            ]
        returned = await conn.execute_query_dict(insert_statement(len(chunk)), values)
        for event, row in zip(chunk, sorted(returned, key=lambda r: r["id"]), strict=True):
            event.id, event.tx = row["id"], row["tx"]


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
        tx=row.tx,
    )
