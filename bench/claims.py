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
import os
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


def cpu_seconds(servers: list[ServerProcess]) -> float:
    """CPU time the server processes used so far (user + system, from /proc)."""
    ticks = 0
    for server in servers:
        assert server.process is not None
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def api_round(
    servers: list[ServerProcess], tasks: int, agents: int, tag: str
) -> tuple[float, float, float]:
    """Claims per second with agents spread over `servers`; server and client CPU ms a claim."""
    backlog = await make_backlog(servers[0], tasks)
    tokens = await make_agents(servers[0], agents, prefix=tag)

    async def claim_all() -> int:
        claims = await asyncio.gather(
            *(claim_until_empty(servers[n % len(servers)], t) for n, t in enumerate(tokens))
        )
        claimed = [task_id for agent_claims in claims for task_id, _ in agent_claims]
        assert sorted(claimed) == sorted(backlog), "a task was claimed twice or not at all"
        return len(claimed)

    cpu_before, client_before = cpu_seconds(servers), time.process_time()
    count, seconds = await timed(claim_all)
    server_ms = (cpu_seconds(servers) - cpu_before) * 1000 / count
    client_ms = (time.process_time() - client_before) * 1000 / count
    return count / seconds, server_ms, client_ms


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
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'how':<40}{'claims/s':>9}{'vs raw':>8}{'CPU ms/claim: server':>22}{'client':>8}")
    print(f"{'raw SQL (UPDATE … SKIP LOCKED, baseline)':<40}{raw:>9.0f}{1:>8.0%}")
    for label, (rate, server_ms, client_ms) in (
        ("claimNextTask over HTTP, 1 process", one),
        ("claimNextTask over HTTP, 2 processes", two),
    ):
        print(f"{label:<40}{rate:>9.0f}{rate / raw:>8.1%}{server_ms:>22.1f}{client_ms:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.tasks, args.agents))


if __name__ == "__main__":
    main()
