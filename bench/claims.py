"""Claims per second on PostgreSQL: 1 and 2 server processes, against raw SQL claims.

Run from the repository root: `python bench/claims.py [--tasks 400] [--agents 20]`.
It creates its own database on postgres://postgres@127.0.0.1:5432 and drops it afterwards.

Each round fills a backlog of ready tasks through the API, then lets N agents loop on
`claimNextTask` over HTTP (the gql client) until the backlog is empty. The baseline claims the
same kind of backlog with one SQL statement per claim straight from asyncpg, with N connections,
on the same database in the same run: the cost of the API, the Events and the checks on top.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from tests.postgres.board import claim_until_empty, make_agents, make_backlog
from tests.support.server import ServerProcess

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"

RAW_CLAIM = """
UPDATE tasks SET status = 'in_progress', assignee_id = $1, version = version + 1
WHERE id = (
    SELECT id FROM tasks WHERE status = 'ready'
    ORDER BY priority, created_at, id
    FOR UPDATE SKIP LOCKED LIMIT 1
)
RETURNING id
"""


async def timed(work: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    started = time.perf_counter()
    count = await work()
    return count, time.perf_counter() - started


async def api_round(servers: list[ServerProcess], tasks: int, agents: int, tag: str) -> float:
    """Claims per second with agents spread evenly over `servers`."""
    backlog = await make_backlog(servers[0], tasks)
    tokens = await make_agents(servers[0], agents, prefix=tag)

    async def claim_all() -> int:
        claims = await asyncio.gather(
            *(claim_until_empty(servers[n % len(servers)], t) for n, t in enumerate(tokens))
        )
        claimed = [task_id for agent_claims in claims for task_id, _ in agent_claims]
        assert sorted(claimed) == sorted(backlog), "a task was claimed twice or not at all"
        return len(claimed)

    count, seconds = await timed(claim_all)
    return count / seconds


async def raw_round(url: str, servers: list[ServerProcess], tasks: int, agents: int) -> float:
    """Claims per second with one UPDATE … SKIP LOCKED per claim, N connections."""
    await make_backlog(servers[0], tasks)
    conns = [await asyncpg.connect(url) for _ in range(agents)]
    agent_id = await conns[0].fetchval("SELECT min(id) FROM agents")

    async def drain(conn: asyncpg.Connection) -> int:
        count = 0
        while await conn.fetchval(RAW_CLAIM, agent_id) is not None:
            count += 1
        return count

    async def claim_all() -> int:
        return sum(await asyncio.gather(*(drain(conn) for conn in conns)))

    try:
        count, seconds = await timed(claim_all)
    finally:
        for conn in conns:
            await conn.close()
    assert count == tasks
    return count / seconds


async def bench(tasks: int, agents: int) -> None:
    name = f"mc_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    servers: list[ServerProcess] = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for n in range(2):
                (Path(workdir) / f"s{n}").mkdir()
                servers.append(ServerProcess(workdir=Path(workdir) / f"s{n}", database_url=url))
            servers[0].start()
            one = await api_round(servers[:1], tasks, agents, "one")
            servers[1].start()
            two = await api_round(servers, tasks, agents, "two")
            raw = await raw_round(url, servers, tasks, agents)
    finally:
        for server in servers:
            server.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    print(f"{tasks} ready tasks, {agents} concurrent claimers, PostgreSQL on 127.0.0.1")
    print(f"{'how':<42}{'claims/s':>10}{'vs raw SQL':>12}")
    for label, rate in (
        ("raw SQL (UPDATE … SKIP LOCKED, baseline)", raw),
        ("claimNextTask over HTTP, 1 process", one),
        ("claimNextTask over HTTP, 2 processes", two),
    ):
        print(f"{label:<42}{rate:>10.0f}{rate / raw:>11.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.tasks, args.agents))


if __name__ == "__main__":
    main()
