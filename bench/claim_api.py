"""Claims: claimNextTask + submitForReview by N agents over HTTP, against raw SQL doing the same.

    .venv/bin/python -m bench.claim_api [--tasks 10000] [--agents 1,10,50] [--database sqlite]

One server (default settings, sweep every 15 s) on a private PostgreSQL database (or, with
`--database sqlite`, a fresh SQLite file, the baseline then N sqlite3 connections doing the
same two updates, each claim in a BEGIN IMMEDIATE transaction). For each N,
`tasks` ready tasks are inserted with SQL, then N agents (one HTTP connection each) loop on
claimNextTask then submitForReview until nothing is left. The baseline is N asyncpg
connections doing the same two updates (the claim with the same priority order and SKIP
LOCKED, then the submit) over a fresh backlog of the same size, in the same run. Every task
must be claimed exactly once (0 double claims). On PostgreSQL a second baseline sends the API's
own statements, and only them, with the same N (`statements_round`): it splits the gap
between the API and raw SQL into what the extra statements cost and what the server's Python
costs. The notes say, for each round, how busy the
whole machine was (% of all its cores) and who used it, in % of one core: the server, the
bench database's PostgreSQL backends, this bench (the load generator) and the rest: they all
share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.support import (
    Api,
    ServerProcess,
    Table,
    cpu_meter,
    cpu_seconds,
    postgres_database,
    servers,
)
from mission_control.domain.events import EventKind
from mission_control.store import claims as claim_sql
from mission_control.store.journal import insert_statement

FILL = """
INSERT INTO tasks (title, description, priority, tag_text, status, progress, version,
                   created_at, updated_at, status_changed_at)
SELECT 'Task ' || n, 'bench', CASE WHEN n % 7 = 0 THEN NULL ELSE n % 5 + 1 END, ' ',
       'ready', 0, 1, now() - (n || ' ms')::interval, now(), now()
FROM generate_series(1, $1::int) AS n
"""
RAW_CLAIM = """
UPDATE tasks SET status = 'in_progress', assignee_id = $1, version = version + 1,
                 claimed_at = now(), status_changed_at = now()
WHERE id = (
    SELECT id FROM tasks WHERE status = 'ready'
    ORDER BY COALESCE(priority, 6), created_at, id
    FOR UPDATE SKIP LOCKED LIMIT 1
)
RETURNING id
"""
RAW_SUBMIT = """
UPDATE tasks SET status = 'review', version = version + 1, status_changed_at = now()
WHERE id = $1 AND assignee_id = $2 AND status = 'in_progress'
"""
REGISTER = "mutation($name: String!) { registerAgent(name: $name, wipLimit: 1) { token } }"
CLAIM = "mutation { claimNextTask { outcome task { id } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "done") { id status } }'


SQLITE_FILL = """
INSERT INTO tasks (title, description, priority, tag_text, status, progress, version,
                   created_at, updated_at, status_changed_at)
VALUES (?, 'bench', ?, ' ', 'ready', 0, 1, ?, ?, ?)
"""
SQLITE_RAW_CLAIM = """
UPDATE tasks SET status = 'in_progress', assignee_id = ?, version = version + 1,
                 claimed_at = ?, status_changed_at = ?
WHERE id = (
    SELECT id FROM tasks WHERE status = 'ready'
    ORDER BY COALESCE(priority, 6), created_at, id LIMIT 1
)
RETURNING id
"""


class Quota:
    """How many claim+submit units a round may still do (shared by its agents and threads)."""

    def __init__(self, units: int | None) -> None:
        self._left = itertools.count(units, -1) if units is not None else itertools.repeat(1)

    def take(self) -> bool:
        return next(self._left) > 0


SQLITE_RAW_SUBMIT = """
UPDATE tasks SET status = 'review', version = version + 1, status_changed_at = ?
WHERE id = ? AND assignee_id = ? AND status = 'in_progress'
"""


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite://")


def fill_sqlite(url: str, tasks: int) -> None:
    """The same backlog as FILL, in SQLite, with timestamps as the ORM writes them."""
    now = datetime.now(UTC)
    with contextlib.closing(sqlite3.connect(_sqlite_path(url))) as conn, conn:
        conn.execute("UPDATE tasks SET status = 'done' WHERE status <> 'done'")
        rows = []
        for n in range(1, tasks + 1):
            at = str(now - timedelta(milliseconds=n))
            rows.append((f"Task {n}", None if n % 7 == 0 else n % 5 + 1, at, str(now), str(now)))
        conn.executemany(SQLITE_FILL, rows)
        conn.execute("ANALYZE")


async def fill(url: str, tasks: int) -> None:
    """Retire every task and insert a fresh ready backlog of `tasks`."""
    if url.startswith("sqlite"):
        await asyncio.to_thread(fill_sqlite, url, tasks)
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE tasks SET status = 'done' WHERE status <> 'done'")
        await conn.execute(FILL, tasks)
        await conn.execute("ANALYZE tasks")
    finally:
        await conn.close()


async def api_round(
    processes: list[ServerProcess],
    url: str,
    tasks: int,
    agents: int,
    tag: str,
    units: int | None = None,
    running: list[ServerProcess] | None = None,
) -> dict[str, Any]:
    """Agents spread over `processes` drain a fresh backlog; rate, double claims, CPU/unit, and
    where the machine's CPU went during the round ("cpu": a `RoundCpu`, one figure per process
    in `running`: every server process on the database, default `processes`)."""
    server = processes[0]
    await fill(url, tasks)
    async with Api(server) as operator:
        tokens = [
            (await operator(REGISTER, {"name": f"{tag}-{n}"}))["registerAgent"]["token"]
            for n in range(agents)
        ]

    quota = Quota(units)

    async def agent(token: str, process: ServerProcess) -> list[int]:
        claimed: list[int] = []
        async with Api(process, token) as api:
            while quota.take():
                answer = (await api(CLAIM))["claimNextTask"]
                if answer["outcome"] != "CLAIMED":
                    return claimed
                claimed.append(answer["task"]["id"])
                await api(SUBMIT, {"id": answer["task"]["id"]})
        return claimed  # its share of the round's units is done

    async with cpu_meter(url, running or processes) as meter:
        cpu_before = cpu_seconds(processes)
        started = time.perf_counter()
        claims = await asyncio.gather(
            *(agent(token, processes[n % len(processes)]) for n, token in enumerate(tokens))
        )
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(processes) - cpu_before
        where = await meter.stop()
    ids = [i for c in claims for i in c]
    return {
        "rate": len(ids) / seconds,
        "double": len(ids) - len(set(ids)),
        "units": len(ids),
        "cpu_ms": cpu * 1000 / max(1, len(ids)),
        "cpu": where,
    }


def _sqlite_drain(url: str, agent_id: int, quota: Quota) -> list[int]:
    """One baseline agent on SQLite: claim (in BEGIN IMMEDIATE, as the single writer does)
    then submit, until nothing is ready."""
    claimed: list[int] = []
    conn = sqlite3.connect(_sqlite_path(url), timeout=60, isolation_level=None)
    try:
        while quota.take():
            now = str(datetime.now(UTC))
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute(SQLITE_RAW_CLAIM, (agent_id, now, now)).fetchone()
            conn.execute("COMMIT")
            if row is None:
                return claimed
            claimed.append(int(row[0]))
            conn.execute(SQLITE_RAW_SUBMIT, (str(datetime.now(UTC)), row[0], agent_id))
        return claimed
    finally:
        conn.close()


async def raw_round(
    url: str,
    tasks: int,
    agents: int,
    units: int | None = None,
    processes: list[ServerProcess] | None = None,
) -> dict[str, Any]:
    """The baseline drains a fresh backlog; rate, double claims, and where the machine's CPU
    went during the round ("cpu": a `RoundCpu`; `processes`: the servers running meanwhile,
    idle unless they are still working off an earlier round)."""
    quota = Quota(units)
    if url.startswith("sqlite"):
        await fill(url, tasks)
        with contextlib.closing(sqlite3.connect(_sqlite_path(url))) as conn:
            agent_id = conn.execute("SELECT min(id) FROM agents").fetchone()[0]
        async with cpu_meter(None, processes) as meter:
            started = time.perf_counter()
            claims = await asyncio.gather(
                *(asyncio.to_thread(_sqlite_drain, url, agent_id, quota) for _ in range(agents))
            )
            seconds = time.perf_counter() - started
            cpu = await meter.stop()
        return _outcome(claims, seconds, cpu)
    await fill(url, tasks)
    conn = await asyncpg.connect(url)
    try:
        agent_id = await conn.fetchval("SELECT min(id) FROM agents")
    finally:
        await conn.close()

    async def drain(conn: asyncpg.Connection, _n: int) -> list[int]:
        claimed = []
        while quota.take() and (task_id := await conn.fetchval(RAW_CLAIM, agent_id)):
            claimed.append(task_id)
            await conn.execute(RAW_SUBMIT, task_id, agent_id)
        return claimed

    return await _asyncpg_round(url, agents, drain, processes)


async def _asyncpg_round(
    url: str,
    agents: int,
    drain: Callable[[asyncpg.Connection, int], Awaitable[list[int]]],
    processes: list[ServerProcess] | None,
) -> dict[str, Any]:
    """N asyncpg connections each run `drain(connection, n)` at once; rate, double claims, and
    where the machine's CPU went meanwhile."""
    conns = [await asyncpg.connect(url) for _ in range(agents)]
    try:
        async with cpu_meter(url, processes) as meter:
            started = time.perf_counter()
            claims = await asyncio.gather(*(drain(conn, n) for n, conn in enumerate(conns)))
            seconds = time.perf_counter() - started
            cpu = await meter.stop()
    finally:
        for conn in conns:
            await conn.close()
    return _outcome(claims, seconds, cpu)


def _outcome(claims: list[list[int]], seconds: float, cpu: Any) -> dict[str, Any]:
    """A baseline round's rate, double claims and CPU (`claims`: each agent's task ids)."""
    ids = [i for c in claims for i in c]
    return {"rate": len(ids) / seconds, "double": len(ids) - len(set(ids)), "cpu": cpu}


EVENT = insert_statement(1)


async def statements_round(
    url: str,
    tasks: int,
    tag: str,
    agents: int,
    units: int | None = None,
    processes: list[ServerProcess] | None = None,
) -> dict[str, Any]:
    """The second baseline (PostgreSQL): N asyncpg connections send the API's own statements
    (store/claims.py, store/journal.py) for each unit, with nothing of the server around them:
    the claim's transaction (lock the agent, its pickup facts, the candidate, the conditional
    claim, its Event) and the submit's (the conditional submit, its Event). Each connection is
    one of the API round's agents (`tag`). Left out: HTTP, GraphQL, the ORM, authentication,
    the NOTIFY, and the Python rules between the statements. API / this = what the server's
    Python costs; this / raw = what the API's extra statements (Events, facts, locks) cost."""
    quota = Quota(units)
    await fill(url, tasks)

    async def drain(conn: asyncpg.Connection, n: int) -> list[int]:
        claimed: list[int] = []
        name = f"{tag}-{n}"
        label = f"agent:{name}"
        while quota.take():
            now = datetime.now(UTC)
            async with conn.transaction():
                agent = await conn.fetchrow(claim_sql.LOCK_AGENT, name)
                await conn.fetchrow(claim_sql.PICKUP_FACTS, agent["id"], now.date())
                task = await conn.fetchrow(claim_sql.NEXT_OPEN_TASK, now, [])
                if task is None:
                    return claimed
                lease = now + timedelta(seconds=300)
                row = await conn.fetchrow(
                    claim_sql.CLAIM_TASK, agent["id"], now, lease, task["id"], task["version"]
                )
                await conn.fetch(
                    EVENT, row["id"], name, str(EventKind.CLAIMED), "ready", "in_progress",
                    label, "{}", now,
                )  # fmt: skip
            claimed.append(row["id"])
            now = datetime.now(UTC)
            async with conn.transaction():
                row = await conn.fetchrow(
                    claim_sql.SUBMIT_HELD_TASK, "done", now, row["id"], name, None
                )
                await conn.fetch(
                    EVENT, row["id"], name, str(EventKind.SUBMITTED), "in_progress",
                    "review", label, '{"tags": []}', now,
                )  # fmt: skip
        return claimed

    return await _asyncpg_round(url, agents, drain, processes)


@contextlib.asynccontextmanager
async def database(kind: str) -> Any:
    """A private PostgreSQL database, or a fresh SQLite file."""
    if kind == "postgres":
        async with postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as workdir:
        yield f"sqlite://{Path(workdir) / 'bench.db'}"


async def run(
    tasks: int = 10_000,
    agents: tuple[int, ...] = (1, 10, 50),
    kind: str = "postgres",
    units: int | None = None,
) -> list[Table]:
    table = Table(
        f"Claims: claimNextTask + submitForReview over HTTP vs raw SQL ({kind})",
        f"python -m bench.claim_api --tasks {tasks} --agents {','.join(map(str, agents))}"
        f" --database {kind}" + (f" --units {units}" if units else ""),
    )
    async with database(kind) as url:
        with servers(url, MC_SWEEP_INTERVAL_SECONDS="15") as (server,):
            for n in agents:
                api = await api_round([server], url, tasks, n, f"n{n}", units)
                raw = await raw_round(url, tasks, n, units, [server])
                same = None
                if kind == "postgres":
                    same = await statements_round(url, tasks, f"n{n}", n, units, [server])
                target = "≥ 0.30" if n >= 10 else ""
                table.add(
                    f"N={n}: claim+submit units/s",
                    api["rate"],
                    raw["rate"],
                    "/s",
                    "raw SQL, same N",
                    target,
                )
                if same is not None:
                    table.add(
                        f"N={n}: claim+submit units/s, against the API's statements",
                        api["rate"],
                        same["rate"],
                        "/s",
                        "the API's statements in raw SQL, same N",
                        "",
                    )
                table.add(
                    f"N={n}: server CPU per unit",
                    api["cpu_ms"],
                    5.0,
                    "ms",
                    "the 5 ms target",
                    "≤ 5 ms",
                )
                table.notes.append(
                    f"N={n}: {api['units']:.0f} units, {api['double']:.0f} double claims "
                    f"(raw: {raw['double']:.0f})"
                )
                table.notes.append(
                    f"N={n}: {api['cpu'].describe(' during the API round')}; "
                    f"{raw['cpu'].describe(' during raw SQL')}"
                    + (f"; {same['cpu'].describe(' during the API statements')}" if same else "")
                )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--agents", default="1,10,50")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--units", type=int, default=None, help="stop each round after this many (default: all)"
    )
    args = parser.parse_args()
    agents = tuple(int(a) for a in args.agents.split(","))
    for table in asyncio.run(run(args.tasks, agents, args.database, args.units)):
        table.print()


if __name__ == "__main__":
    main()
