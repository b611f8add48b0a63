"""Reading the Event log in delivery order: (tx, id), up to the horizon of finished writers.

Event ids are taken when a transaction writes its Events, and become visible when it commits:
with concurrent writers a reader may see id 12 before id 11. So the hub does not follow ids.
Each Event row carries its writer's transaction id (`tx`, store/journal.py), and a read
delivers only Events whose `tx` is below a horizon under which every transaction has finished:
that set can no longer change, so (tx, id) order over it is final and no Event can later
appear before a reader's cursor. docs/architecture.md ("Event order") has the argument.

On SQLite (one writer at a time, tx = 0) id order is commit order and there is no horizon:
the reads are plain `id` ranges, named statements whose rows become EventRecords directly
(the hub reads after every commit, so no ORM model is built on the way).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections

from mission_control.domain.events import START, EventKind, EventRecord, Position
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event

# The horizon, from the statement's own snapshot: the lowest transaction still running in
# this database, else the first transaction id not yet handed out (`xmax`). The server is
# shared, so a transaction is left out only when it is known to run in another database
# (pg_stat_activity's backend_xid with another datid, both from one backend's entry and shown
# to every role: such a transaction cannot write our events table). One it cannot place
# (finished meanwhile, a prepared transaction) counts as ours: it may delay, never skip.
# Snapshots hold 64-bit ids (xid8), backend_xid is 32-bit: compared modulo 2^32, which is
# exact because running transactions span far less than 2^31 ids.
_HORIZON = """
WITH snapshot AS (SELECT pg_current_snapshot() AS s),
elsewhere AS (
    SELECT backend_xid::text::bigint AS xid FROM pg_stat_get_activity(NULL)
    WHERE backend_xid IS NOT NULL
      AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
),
horizon AS (
    SELECT coalesce(
        (SELECT min(x::text::bigint) FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
         WHERE NOT EXISTS (
             SELECT 1 FROM elsewhere WHERE elsewhere.xid = x::text::bigint % 4294967296)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snapshot)
    ) AS h
)
"""

_COLUMNS = "id, kind, actor, created_at, task_id, agent_name, from_status, to_status, payload, tx"

# Final Events after a position, and whether later ones wait behind the horizon (their writers'
# order is not settled yet): one statement, so the horizon and the rows share one snapshot.
# `waiting` asks for the newest such Event rather than EXISTS: the same condition, but
# PostgreSQL drops an EXISTS's ORDER BY, and its generic plan (chosen after a few runs of
# the prepared statement) then scanned the whole table whenever nothing waits; newest first,
# the (tx, id) index answers at once whatever the log's size.
_AFTER = (
    _HORIZON
    + f"""
SELECT h.h AS horizon,
       (SELECT tx FROM events WHERE tx >= h.h AND (tx, id) > ($1, $2)
        ORDER BY tx DESC, id DESC LIMIT 1) IS NOT NULL AS waiting,
       e.*
FROM horizon h LEFT JOIN LATERAL (
    SELECT {_COLUMNS} FROM events
    WHERE (tx, id) > ($1, $2) AND tx < h.h
    ORDER BY tx, id LIMIT $3
) e ON true
"""
)

# The newest final Event: "now" for a reader that starts from the present.
_NOW = (
    _HORIZON
    + "SELECT tx, id FROM events, horizon WHERE tx < horizon.h ORDER BY tx DESC, id DESC LIMIT 1"
)

_BETWEEN = f"""
SELECT {_COLUMNS} FROM events
WHERE (tx, id) > ($1, $2) AND (tx, id) <= ($3, $4)
ORDER BY tx, id LIMIT $5
"""

# An Event id's position. When the Event is gone (OUTPUT Events are deleted when superseded)
# its tx is unknown: the `tx_floor` of any earlier Event is a lower bound for it, since that
# Event's statement snapshot was taken while the missing one's writer was still unfinished.
_POSITION = """
SELECT coalesce(
    (SELECT tx FROM events WHERE id = $1),
    (SELECT tx_floor FROM events WHERE id < $1 ORDER BY id DESC LIMIT 1),
    0
) AS tx
"""


# SQLite: id order is delivery order (module docstring); `?n` as in store/claims.py.
_SQLITE_AFTER = f'SELECT {_COLUMNS} FROM "events" WHERE id > ?1 ORDER BY id LIMIT ?2'
_SQLITE_BETWEEN = f'SELECT {_COLUMNS} FROM "events" WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3'
_SQLITE_NOW = 'SELECT max(id) AS id FROM "events"'


@dataclass(frozen=True, slots=True)
class Batch:
    """Final Events in delivery order; `waiting` when newer ones are held back by the horizon
    (a writer below them is still running) and the reader should look again soon."""

    events: Sequence[EventRecord]
    waiting: bool = False


def _moment(value: datetime | str) -> datetime:
    """SQLite keeps the timestamp as ISO text (written by Tortoise in UTC), asyncpg as a
    datetime; both come out aware, as the ORM's reading gave them."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _from_columns(row: Mapping[str, Any]) -> EventRecord:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return EventRecord(
        id=int(row["id"]),
        kind=EventKind(row["kind"]),
        actor=row["actor"],
        created_at=_moment(row["created_at"]),
        task_id=row["task_id"],
        agent_name=row["agent_name"],
        from_status=TaskStatus(row["from_status"]) if row["from_status"] else None,
        to_status=TaskStatus(row["to_status"]) if row["to_status"] else None,
        payload=dict(payload or {}),
        tx=int(row["tx"]),
    )


def _is_postgres() -> bool:
    return str(connections.get("default").capabilities.dialect) == "postgres"


async def _fetch(sql: str, values: list[Any]) -> list[Mapping[str, Any]]:
    _, rows = await connections.get("default").execute_query(sql, values)
    return list(rows)


async def _fetch_sqlite(sql: str, values: list[Any]) -> list[Mapping[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql, values))


class DatabaseEventStore:
    """The bus hub's reader of committed Events, in delivery order."""

    async def after(self, position: Position, limit: int) -> Batch:
        """Up to `limit` final Events after `position`."""
        if not _is_postgres():
            rows = await _fetch_sqlite(_SQLITE_AFTER, [position.id, limit])
            return Batch([_from_columns(row) for row in rows])
        found = await _fetch(_AFTER, [position.tx, position.id, limit])
        events = [_from_columns(row) for row in found if row["id"] is not None]
        return Batch(events, waiting=bool(found and found[0]["waiting"]))

    async def between(self, after: Position, until: Position, limit: int) -> list[EventRecord]:
        """Up to `limit` Events in (after, until]: a range a reader has already seen final."""
        if not _is_postgres():
            rows = await _fetch_sqlite(_SQLITE_BETWEEN, [after.id, until.id, limit])
            return [_from_columns(row) for row in rows]
        found = await _fetch(_BETWEEN, [after.tx, after.id, until.tx, until.id, limit])
        return [_from_columns(row) for row in found]

    async def now(self) -> Position:
        """The newest final Event's position (START when there is none)."""
        if not _is_postgres():
            newest = (await _fetch_sqlite(_SQLITE_NOW, []))[0]["id"]
            return Position(0, int(newest)) if newest is not None else START
        found = await _fetch(_NOW, [])
        return Position(int(found[0]["tx"]), int(found[0]["id"])) if found else START

    async def position_of(self, event_id: int) -> Position:
        """Where Event `event_id` stands, for a reader resuming after it. When the Event is
        gone the position returned is at or before where it stood: a few Events may be
        delivered again, none skipped."""
        if not _is_postgres():
            return Position(0, event_id)
        found = await _fetch(_POSITION, [event_id])
        return Position(int(found[0]["tx"]), event_id)


async def positions_of(event_ids: Sequence[int]) -> dict[int, Position]:
    """Where each of these Events stands (at or before it when the Event is gone), for
    comparing with Events' positions: id order is not delivery order."""
    wanted = set(event_ids)
    if not _is_postgres():
        return {event_id: Position(0, event_id) for event_id in wanted}
    rows = await Event.filter(id__in=list(wanted)).values_list("id", "tx")
    found = {int(event_id): Position(int(tx), int(event_id)) for event_id, tx in rows}
    for event_id in wanted - found.keys():
        found[event_id] = await DatabaseEventStore().position_of(event_id)
    return found
