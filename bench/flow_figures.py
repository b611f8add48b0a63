"""The flow figures (/charts, /metrics) on a big board: 10,000 tasks and a busy Event log.

    .venv/bin/python -m bench.flow_figures [--tasks 10000] [--agents 100] [--repeat 10]

One SQLite file (the default backend), filled with SQL: --tasks tasks spread over 14 days in
every status (done ones claimed and approved by the agents, with tags), their creation and move
Events, and the last hour of heartbeats from --agents agents every 10 s. Prints the median of
--repeat calls of `flow_report` (the charts, 14 days), `snapshot` (a /metrics scrape) and, as
the same-run baseline, the board's first columns (`store.queries.board`, what `/` loads).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from mission_control.database import close_database, migrate, tortoise_config
from mission_control.services import flow
from mission_control.settings import Settings
from mission_control.store import queries
from mission_control.store.context import Context

STATUSES = ["intake", "ready", "ready", "in_progress", "review", "done", "done", "done", "blocked"]
TAGS = [" ", " api ", " ui ", " api db "]


def fill(path: Path, tasks: int, agents: int, now: datetime) -> int:
    """Insert the rows with SQL; returns how many Events were written."""
    db = sqlite3.connect(path)
    at = str  # Tortoise keeps UTC datetimes on SQLite as str(datetime)
    db.executemany(
        "INSERT INTO agents (id, name, skills, status, current_load, wip_limit, paused, "
        "created_at) VALUES (?, ?, '[]', 'working', 0, 1, 0, ?)",
        [(n, f"agent-{n}", at(now)) for n in range(1, agents + 1)],
    )
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for n in range(1, tasks + 1):
        created = now - timedelta(days=14) * (n / tasks)
        status = STATUSES[n % len(STATUSES)]
        agent = n % agents + 1 if status in ("in_progress", "review", "done") else None
        claimed = created + timedelta(minutes=5) if agent else None
        changed = created + timedelta(hours=1 + n % 5) if agent else created
        rows.append(
            (
                n,
                f"Task {n}",
                n % 5 + 1,
                TAGS[n % len(TAGS)],
                status,
                agent,
                at(created),
                at(changed),
                at(changed),
                at(claimed) if claimed else None,
            )
        )
        events.append(("created", None, "intake", n, None, at(created)))
        if status != "intake":
            events.append(("triaged", "intake", "ready", n, None, at(created)))
        if agent:
            name = f"agent-{agent}"
            events.append(("claimed", "ready", "in_progress", n, name, at(claimed)))
            if status in ("review", "done"):
                events.append(("submitted", "in_progress", "review", n, name, at(changed)))
            if status == "done":
                events.append(("approved", "review", "done", n, name, at(changed)))
        if status == "blocked":
            events.append(("blocked", "ready", "blocked", n, None, at(changed)))
    db.executemany(
        "INSERT INTO tasks (id, title, description, priority, tag_text, status, assignee_id, "
        "progress, version, created_at, updated_at, status_changed_at, claimed_at, attempts) "
        "VALUES (?, ?, 'bench', ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, 0)",
        rows,
    )
    for second in range(0, 3600, 10):  # the last hour of heartbeats
        beat = at(now - timedelta(seconds=3600 - second))
        events.extend(("heartbeat", None, None, None, f"agent-{a}", beat) for a in range(agents))
    events.sort(key=lambda event: str(event[5]))
    db.executemany(
        "INSERT INTO events (kind, from_status, to_status, task_id, agent_name, actor, payload, "
        "created_at) VALUES (?, ?, ?, ?, ?, 'bench', '{}', ?)",
        events,
    )
    db.commit()
    db.close()
    return len(events)


async def median_ms(call: Callable[[], Awaitable[object]], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="mc-flow-bench-") as tmp:
        path = Path(tmp) / "flow.db"
        settings = Settings(database_url=f"sqlite://{path}")
        await migrate(settings)
        await Tortoise.close_connections()
        count = fill(path, args.tasks, args.agents, now)
        print(f"({args.tasks} tasks, {count} Events of which {args.agents * 360} heartbeats)")
        await Tortoise.init(config=tortoise_config(settings.database_url))
        ctx = Context(settings)
        try:
            report = await flow.flow_report(ctx, 14)
            assert sum(report.throughput) > 0 and report.cycle_by_agent
            board = await median_ms(lambda: queries.board(per_column=50), args.repeat)
            charts = await median_ms(lambda: flow.flow_report(ctx, 14), args.repeat)
            metrics = await median_ms(lambda: flow.snapshot(ctx), args.repeat)
        finally:
            await close_database()
    print(f"baseline  board columns (what / loads):      p50 {board:7.1f} ms")
    print(f"measured  flow_report, 14 days (/charts):    p50 {charts:7.1f} ms")
    print(f"measured  snapshot (one /metrics scrape):    p50 {metrics:7.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
