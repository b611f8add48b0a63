"""How the work is going: the flow figures behind /charts and /metrics, computed here only.

Cumulative flow is worked backwards from now: the tasks per status at the end of a day are
today's counts minus the status moves recorded after that day. So the figures need the current
counts and the Events of the window, both aggregated in the database (store/flow.py), never
the whole Event log and never a row per task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mission_control.domain.agents import AgentStatus
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.events import EventKind, kind_of
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import BOARD_ORDER, Move, TaskStatus
from mission_control.store import flow
from mission_control.store.context import Context

DAYS_DEFAULT = 14
DAYS_MAX = 90
CYCLE_DAYS_DEFAULT = 7
UNASSIGNED = "(none)"
UNTAGGED = "(untagged)"

# What the counters of /metrics count: claims, approvals (the only move to done), lease
# expiries and failed attempts, all from the Event log so that every process agrees.
COUNTED = (
    EventKind.CLAIMED,
    EventKind.APPROVED,
    EventKind.LEASE_EXPIRED,
    EventKind.ATTEMPT_FAILED,
)
TROUBLE = (EventKind.LEASE_EXPIRED, EventKind.ATTEMPT_FAILED)
# The Events that change a figure: a creation, every status move, and the two trouble kinds.
CHANGES_FIGURES = frozenset({EventKind.CREATED, *(kind_of(move) for move in Move), *TROUBLE})


@dataclass(frozen=True)
class CycleTime:
    """Tasks done in the window by one agent (or with one tag), and their mean claim→done."""

    name: str
    done: int
    mean_seconds: float

    @property
    def mean_hours(self) -> float:
        return self.mean_seconds / 3600


@dataclass(frozen=True)
class FlowReport:
    """The charts' figures over `days` (oldest first; each figure has one value per day)."""

    days: tuple[date, ...]
    cumulative: Mapping[TaskStatus, tuple[int, ...]]
    throughput: tuple[int, ...]
    lease_expiries: tuple[int, ...]
    failures: tuple[int, ...]
    cycle_by_agent: tuple[CycleTime, ...]
    cycle_by_tag: tuple[CycleTime, ...]


@dataclass(frozen=True)
class Snapshot:
    """The figures /metrics exposes: counts now and totals since the first Event."""

    tasks: Mapping[TaskStatus, int]
    agents: Mapping[AgentStatus, int]
    claims: int
    done: int
    lease_expiries: int
    failures: int
    cycle_by_agent: tuple[CycleTime, ...]


def _window(now: datetime, days: int) -> tuple[date, ...]:
    if not 1 <= days <= DAYS_MAX:
        raise ValidationFailed(f"days must be between 1 and {DAYS_MAX}; got {days}.")
    today = day_of(now)
    return tuple(today - timedelta(days=back) for back in range(days - 1, -1, -1))


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def task_counts() -> dict[TaskStatus, int]:
    """Tasks per status now, every status present (0 when none)."""
    counts = await flow.task_counts()
    return {status: counts.get(str(status), 0) for status in BOARD_ORDER}


async def cycle_times(since: datetime) -> tuple[tuple[CycleTime, ...], tuple[CycleTime, ...]]:
    """Mean claim→done time of the tasks done since `since`, per agent and per tag."""
    per_agent: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    per_tag: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for group in await flow.cycle_groups(since):
        tags = group.tag_text.split() or [UNTAGGED]
        for bucket in (per_agent[group.agent or UNASSIGNED], *(per_tag[tag] for tag in tags)):
            bucket[0] += group.count
            bucket[1] += group.total_seconds

    def times(groups: dict[str, list[float]]) -> tuple[CycleTime, ...]:
        return tuple(
            CycleTime(name, int(n), total / n) for name, (n, total) in sorted(groups.items()) if n
        )

    return times(per_agent), times(per_tag)


async def flow_report(ctx: Context, days: int = DAYS_DEFAULT) -> FlowReport:
    """Cumulative flow, throughput, cycle times, lease expiries and failures over the last
    `days` UTC days (today included)."""
    window = _window(ctx.clock(), days)
    index = {day.isoformat(): n for n, day in enumerate(window)}
    since = _start(window[0])
    moves = await flow.moves_per_day(since)
    troubles = await flow.kinds_per_day(TROUBLE, since)
    counts = await task_counts()

    # delta[n][status]: how the count of `status` changed during day n.
    delta: list[dict[str, int]] = [defaultdict(int) for _ in window]
    throughput = [0] * len(window)
    for move in moves:
        n = index.get(move.day)
        if n is None:
            continue  # an Event stamped after today (a clock ahead): not in the window
        delta[n][move.target] += move.count
        if move.source is not None:
            delta[n][move.source] -= move.count
        if move.target == TaskStatus.DONE:
            throughput[n] += move.count
    cumulative: dict[TaskStatus, list[int]] = {status: [0] * len(window) for status in BOARD_ORDER}
    running = {str(status): counts[status] for status in BOARD_ORDER}
    for n in range(len(window) - 1, -1, -1):
        for status in BOARD_ORDER:
            cumulative[status][n] = running[str(status)]
        for name, change in delta[n].items():
            running[name] = running.get(name, 0) - change

    per_kind: dict[str, list[int]] = {str(kind): [0] * len(window) for kind in TROUBLE}
    for row in troubles:
        n = index.get(row.day)
        if n is not None:
            per_kind[row.kind][n] += row.count
    by_agent, by_tag = await cycle_times(since)
    return FlowReport(
        days=window,
        cumulative={status: tuple(values) for status, values in cumulative.items()},
        throughput=tuple(throughput),
        lease_expiries=tuple(per_kind[EventKind.LEASE_EXPIRED]),
        failures=tuple(per_kind[EventKind.ATTEMPT_FAILED]),
        cycle_by_agent=by_agent,
        cycle_by_tag=by_tag,
    )


async def snapshot(ctx: Context, cycle_days: int = CYCLE_DAYS_DEFAULT) -> Snapshot:
    """The figures for /metrics: tasks and agents per status, the Event totals, and the mean
    cycle time per agent over the last `cycle_days` days."""
    agents = await flow.agent_counts()
    totals = await flow.kind_totals(COUNTED)
    by_agent, _ = await cycle_times(_start(_window(ctx.clock(), cycle_days)[0]))
    return Snapshot(
        tasks=await task_counts(),
        agents={status: agents.get(str(status), 0) for status in AgentStatus},
        claims=totals.get(EventKind.CLAIMED, 0),
        done=totals.get(EventKind.APPROVED, 0),
        lease_expiries=totals.get(EventKind.LEASE_EXPIRED, 0),
        failures=totals.get(EventKind.ATTEMPT_FAILED, 0),
        cycle_by_agent=by_agent,
    )
