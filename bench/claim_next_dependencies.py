"""What the dependency check costs claimNext: time per claim with and without waiting tasks.

Baseline: 200 ready tasks, none waiting. Measured: the same, but the 150 most urgent wait
for an open task, so every claim first skips them (one dependency query per skipped task).
Run: .venv/bin/python -m bench.claim_next_dependencies
"""

from __future__ import annotations

import asyncio
import contextvars
import tempfile
import time
from pathlib import Path

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.services import agents, claims
from mission_control.services.dependencies import add_dependency
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context

READY, WAITING, CLAIMS = 200, 150, 20


async def seconds_per_claim(workdir: Path, waiting: int) -> float:
    settings = Settings(database_url=f"sqlite://{workdir / f'bench-{waiting}.db'}")
    await open_database(settings)
    try:
        ctx = Context(settings)
        blocker = await create_task(ctx, OPERATOR, TaskDraft("Blocker", "open", 5))
        for number in range(READY):
            urgent = number < waiting
            task = await create_task(
                ctx, OPERATOR, TaskDraft(f"Task {number}", "work", 1 if urgent else 3)
            )
            if urgent:
                await add_dependency(ctx, OPERATOR, task.id, blocker.id)
        for number in range(CLAIMS):
            await agents.register_agent(ctx, OPERATOR, f"agent-{number}")
        started = time.perf_counter()
        for number in range(CLAIMS):
            claim = await claims.claim_next(ctx, agent_actor(f"agent-{number}"))
            assert claim.task is not None and claim.task.priority == 3
        return (time.perf_counter() - started) / CLAIMS
    finally:
        await close_database()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runs: dict[int, float] = {}
        for waiting in (0, WAITING):
            # A fresh contextvars context per database, as Tortoise keeps the current one there.
            job = asyncio.create_task(
                seconds_per_claim(Path(tmp), waiting), context=contextvars.Context()
            )
            runs[waiting] = await job
    base, measured = runs[0], runs[WAITING]
    print(f"claimNext, {READY} ready tasks, none waiting (baseline): {base * 1000:.1f} ms/claim")
    print(
        f"claimNext, {WAITING} most urgent waiting on an open task: {measured * 1000:.1f} ms/claim "
        f"({measured / base:.1f}x the baseline)"
    )


if __name__ == "__main__":
    asyncio.run(main())
