"""Claims per second when many agents drain a backlog at once, against one agent alone.

Each claim is followed by its submit for review (a WIP limit of 1 allows one task at a time).

    .venv/bin/python -m bench.claim_throughput [--tasks N] [--agents N] [--database postgres]

Runs the real services in one process on a fresh database (a temporary SQLite file, or a
private database on the PostgreSQL server at 127.0.0.1:5432, dropped afterwards). The baseline,
measured in the same run on the same database, is a single agent claiming the same number of
tasks one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import ClaimOutcome
from mission_control.services.agents import register_agent
from mission_control.services.claims import claim_next
from mission_control.services.moves import submit_for_review
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context

POSTGRES = "postgres://postgres@127.0.0.1:5432"


@contextlib.asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite://{Path(folder) / 'bench.db'}"
        return
    name = f"mc_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{POSTGRES}/test")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def backlog(ctx: Context, count: int, label: str) -> None:
    for n in range(count):
        draft = TaskDraft(title=f"{label} {n}", description="bench", priority=n % 5 + 1)
        await create_task(ctx, OPERATOR, draft)


async def drain(ctx: Context, name: str) -> int:
    """Claim and hand to review until nothing is left, as an agent with a WIP limit of 1 does."""
    agent, claimed = agent_actor(name), 0
    while (claim := await claim_next(ctx, agent)).outcome is ClaimOutcome.CLAIMED:
        assert claim.task is not None
        await submit_for_review(ctx, agent, claim.task.id)
        claimed += 1
    return claimed


async def timed_drain(ctx: Context, names: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    counts = await asyncio.gather(*(drain(ctx, name) for name in names))
    return sum(counts), time.perf_counter() - started


async def main(tasks: int, agents: int, kind: str) -> None:
    async with fresh_database(kind) as url:
        settings = Settings(database_url=url)
        await open_database(settings)
        try:
            ctx = Context(settings)
            names = [f"bench-{n:03d}" for n in range(agents)]
            for name in names:
                await register_agent(ctx, OPERATOR, name)

            await backlog(ctx, tasks, "baseline")
            alone, alone_seconds = await timed_drain(ctx, names[:1])
            await backlog(ctx, tasks, "crowd")
            crowd, crowd_seconds = await timed_drain(ctx, names)
        finally:
            await close_database()
    assert alone == tasks and crowd == tasks, (alone, crowd)
    print(f"database: {kind}, tasks: {tasks}")
    print(f"baseline, 1 agent:     {alone / alone_seconds:8.1f} claims/s ({alone_seconds:.2f} s)")
    print(f"{agents} agents at once: {crowd / crowd_seconds:8.1f} claims/s ({crowd_seconds:.2f} s)")
    print(f"ratio: {alone_seconds / crowd_seconds:.2f}x the baseline throughput")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    options = parser.parse_args()
    asyncio.run(main(options.tasks, options.agents, options.database))
