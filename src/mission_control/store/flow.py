"""The flow figures' queries: counts grouped in the database, never rows walked in Python.

Every query here is bounded: the current counts read the tasks' and agents' status columns,
the per-day queries read only the Events of the window (`idx_events_moves`, a partial index
of status moves only, and `idx_events_kind_created_at`, migration 21), and the cycle times
read only the tasks done in the window. Days are UTC calendar days, written `YYYY-MM-DD` by
the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Event, Task


@dataclass(frozen=True)
class MovesOnDay:
    """How many tasks went from one status to another on one day (`source` None: created)."""

    day: str
    source: str | None
    target: str
    count: int


@dataclass(frozen=True)
class KindOnDay:
    day: str
    kind: str
    count: int


@dataclass(frozen=True)
class CycleGroup:
    """Tasks done in the window by one agent with one set of tags, and their claim→done time."""

    agent: str | None
    tag_text: str
    count: int
    total_seconds: float


def _dialect() -> str:
    return str(Event._meta.db.capabilities.dialect)


def _day(column: str) -> str:
    if _dialect() == "postgres":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    # SQLite keeps UTC datetimes as text ("2026-11-25 18:03:56.5+00:00"): the day leads.
    return f"substr({column}, 1, 10)"


def _params(count: int) -> list[str]:
    if _dialect() == "postgres":
        return [f"${n}" for n in range(1, count + 1)]
    return ["?"] * count


def _moment(value: datetime) -> Any:
    """A datetime parameter as each backend compares it with the stored column."""
    value = value.astimezone(UTC)
    return value if _dialect() == "postgres" else str(value)


async def _rows(sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    _, rows = await Event._meta.db.execute_query(sql, list(values))
    return [dict(row) for row in rows]


async def task_counts() -> dict[str, int]:
    """Tasks per status now (the board's column counts)."""
    rows = await Task.all().annotate(n=Count("id")).group_by("status").values("status", "n")
    return {str(row["status"]): int(row["n"]) for row in rows}


async def agent_counts() -> dict[str, int]:
    """Agents per status now."""
    rows = await Agent.all().annotate(n=Count("id")).group_by("status").values("status", "n")
    return {str(row["status"]): int(row["n"]) for row in rows}


async def kind_totals(kinds: Sequence[EventKind]) -> dict[str, int]:
    """Events of these kinds ever written, per kind (an index-only count)."""
    rows = await (
        Event.filter(kind__in=[str(kind) for kind in kinds])
        .annotate(n=Count("id"))
        .group_by("kind")
        .values("kind", "n")
    )
    return {str(row["kind"]): int(row["n"]) for row in rows}


async def moves_per_day(since: datetime) -> list[MovesOnDay]:
    """Status moves (and creations) per day since `since`, per (from, to) pair."""
    (start,) = _params(1)
    day = _day("created_at")
    sql = (
        f'SELECT {day} AS "day", from_status AS "source", to_status AS "target", '
        f'COUNT(*) AS "n" FROM events WHERE created_at >= {start} AND to_status IS NOT NULL '
        f"GROUP BY {day}, from_status, to_status"
    )
    rows = await _rows(sql, [_moment(since)])
    return [MovesOnDay(r["day"], r["source"], r["target"], int(r["n"])) for r in rows]


async def kinds_per_day(kinds: Sequence[EventKind], since: datetime) -> list[KindOnDay]:
    """Events of these kinds per day since `since`."""
    *names, start = _params(len(kinds) + 1)
    day = _day("created_at")
    sql = (
        f'SELECT {day} AS "day", kind AS "kind", COUNT(*) AS "n" FROM events '
        f"WHERE kind IN ({', '.join(names)}) AND created_at >= {start} "
        f"GROUP BY {day}, kind"
    )
    rows = await _rows(sql, [*(str(kind) for kind in kinds), _moment(since)])
    return [KindOnDay(r["day"], r["kind"], int(r["n"])) for r in rows]


async def cycle_groups(since: datetime) -> list[CycleGroup]:
    """Tasks done since `since`, grouped by agent and tag set, with the summed time from
    their (last) claim to done."""
    (start,) = _params(1)
    if _dialect() == "postgres":
        seconds = "EXTRACT(EPOCH FROM (t.status_changed_at - t.claimed_at))"
    else:
        seconds = "(julianday(t.status_changed_at) - julianday(t.claimed_at)) * 86400.0"
    sql = (
        f'SELECT a.name AS "agent", t.tag_text AS "tag_text", COUNT(*) AS "n", '
        f'SUM({seconds}) AS "seconds" FROM tasks t LEFT JOIN agents a ON a.id = t.assignee_id '
        f"WHERE t.status = '{TaskStatus.DONE}' AND t.claimed_at IS NOT NULL "
        f"AND t.status_changed_at >= {start} GROUP BY a.name, t.tag_text"
    )
    rows = await _rows(sql, [_moment(since)])
    return [
        CycleGroup(r["agent"], r["tag_text"] or " ", int(r["n"]), float(r["seconds"] or 0.0))
        for r in rows
    ]
