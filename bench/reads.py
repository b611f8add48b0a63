"""Reads as the table grows: `board` and the first page of `tasks` at 1k, 10k and 50k tasks.

    .venv/bin/python -m bench.reads [--sizes 1000,10000,50000] [--requests 30]

One server on a private PostgreSQL database. The tasks are inserted with SQL (a mix of every
status, priorities 1-5 and none), then vacuumed as autovacuum leaves a table at rest (a board
column's count is counted in an index, which reads the heap for pages not yet vacuumed); each
figure is the median (p50) of sequential requests over HTTP, beside the CPU time per request
of the server and its database backends. The baseline is `{ __typename }` on the same server in
the same run: the cost of HTTP and GraphQL alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.support import Api, ServerProcess, Table, median, postgres_database, servers

BOARD = "{ board { columns { status count tasks { id title status priority tags assignee } } } }"
TASKS = "{ tasks(first: 50) { nodes { id title status priority } pageInfo { hasNextPage } } }"
TYPENAME = "{ __typename }"

FILL = """
INSERT INTO tasks (title, description, priority, tag_text, status, progress, version,
                   created_at, updated_at, status_changed_at)
SELECT 'Task ' || n, 'bench', CASE WHEN n % 7 = 0 THEN NULL ELSE n % 5 + 1 END,
       CASE WHEN n % 3 = 0 THEN ' python ' ELSE ' ' END,
       (ARRAY['intake','ready','ready','ready','in_progress','review','done','done','done',
              'blocked'])[n % 10 + 1],
       0, 1, now() - (n || ' seconds')::interval, now(), now()
FROM generate_series($1::int, $2::int) AS n
"""


BACKENDS = """
SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def cpu_ticks(pid: int) -> int:
    """User + system clock ticks of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])


@dataclass
class Timing:
    p50_ms: float
    cpu_ms: float  # per request: the server process and its database backends, user + system


async def timed(
    api: Api, server: ServerProcess, conn: asyncpg.Connection, query: str, requests: int
) -> Timing:
    """Wall time, and CPU time, which a loaded machine does not inflate: the server's and its
    PostgreSQL backends' (read from /proc; the database runs on this machine)."""
    assert server.process is not None
    pids = [server.process.pid] + [row["pid"] for row in await conn.fetch(BACKENDS)]
    before = sum(cpu_ticks(pid) for pid in pids)
    durations = []
    for _ in range(requests):
        started = time.perf_counter()
        await api(query)
        durations.append(time.perf_counter() - started)
    used = (sum(cpu_ticks(pid) for pid in pids) - before) / os.sysconf("SC_CLK_TCK")
    return Timing(median(durations) * 1000, used / requests * 1000)


async def run(sizes: tuple[int, ...] = (1000, 10000, 50000), requests: int = 30) -> list[Table]:
    table = Table(
        "Reads as the table grows",
        f"python -m bench.reads --sizes {','.join(map(str, sizes))} --requests {requests}",
    )
    async with postgres_database() as url:
        with servers(url) as (server,):
            conn = await asyncpg.connect(url)
            try:
                async with Api(server) as api:
                    filled = 0
                    for size in sizes:
                        await conn.execute(FILL, filled + 1, size)
                        await conn.execute("VACUUM ANALYZE tasks")
                        filled = size
                        for query in (TYPENAME, BOARD, TASKS):
                            await api(query)  # warm
                        base = await timed(api, server, conn, TYPENAME, requests)
                        board = await timed(api, server, conn, BOARD, requests)
                        tasks = await timed(api, server, conn, TASKS, requests)
                        at = f"at {size:,} tasks"
                        target = "≤ 30 ms" if size >= 50000 else ""
                        table.add(
                            f"board p50 {at}", board.p50_ms, base.p50_ms, "ms", TYPENAME, target
                        )
                        table.add(
                            f"board CPU per request {at}", board.cpu_ms, base.cpu_ms, "ms", TYPENAME
                        )
                        table.add(
                            f"tasks first page p50 {at}", tasks.p50_ms, base.p50_ms, "ms", TYPENAME
                        )
            finally:
                await conn.close()
    table.notes.append(
        f"{requests} sequential requests per figure; CPU: the server process and its "
        "PostgreSQL backends, user + system, per request (steadier than wall time on a loaded "
        "machine)"
    )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    for table in asyncio.run(run(sizes, args.requests)):
        table.print()


if __name__ == "__main__":
    main()
