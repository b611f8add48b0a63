"""Reads as the table grows: `board` and the first page of `tasks` at 1k, 10k and 50k tasks.

    .venv/bin/python -m bench.reads [--sizes 1000,10000,50000] [--requests 30]

One server on a private PostgreSQL database. The tasks are inserted with SQL (a mix of every
status, priorities 1-5 and none); each figure is the median (p50) of sequential requests over
HTTP. The baseline is `{ __typename }` on the same server in the same run: the cost of HTTP
and GraphQL alone.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from bench.support import Api, Table, median, postgres_database, servers

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


async def timed(api: Api, query: str, requests: int) -> float:
    durations = []
    for _ in range(requests):
        started = time.perf_counter()
        await api(query)
        durations.append(time.perf_counter() - started)
    return median(durations) * 1000


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
                        await conn.execute("ANALYZE tasks")
                        filled = size
                        for query in (TYPENAME, BOARD, TASKS):
                            await api(query)  # warm
                        base = await timed(api, TYPENAME, requests)
                        board = await timed(api, BOARD, requests)
                        tasks = await timed(api, TASKS, requests)
                        target = "≤ 30 ms" if size >= 50000 else ""
                        table.add(
                            f"board p50 at {size:,} tasks",
                            board,
                            base,
                            "ms",
                            "{ __typename }",
                            target,
                        )
                        table.add(
                            f"tasks first page p50 at {size:,} tasks",
                            tasks,
                            base,
                            "ms",
                            "{ __typename }",
                        )
            finally:
                await conn.close()
    table.notes.append(f"{requests} sequential requests per figure")
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
