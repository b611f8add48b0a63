"""What daily budgets cost a claim: claim, report usage, submit, with and without budgets set.

    .venv/bin/python -m bench.budget_gate [--tasks N] [--rounds N] [--days N] [--database postgres]

Runs the real services in one process on a fresh database with a year of usage history
(`--days` × 10 agents × 20 models rows in usage_totals), so the budget checks run against a
table that is not empty. The baseline, measured in the same run on the same database, is the
same loop by an agent with no budget and no board budget; the other agent has a daily token and
cost budget (never reached) and the board one, so each claim checks both and each report may
pause. Rounds alternate between the two; the medians are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta
from statistics import median

from bench.claim_throughput import backlog, fresh_database
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.usage import clean_usage, day_of
from mission_control.models import UsageTotal
from mission_control.services.agents import register_agent
from mission_control.services.budgets import set_agent_budget
from mission_control.services.claims import claim_next, report_progress
from mission_control.services.moves import submit_for_review
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context

AGENTS, MODELS = 10, 20


async def history(ctx: Context, days: int) -> int:
    """Usage rows for the past `days` days, for every agent and model."""
    task = await create_task(ctx, OPERATOR, TaskDraft("history", "old work"))  # stays in intake
    agents = [(await register_agent(ctx, OPERATOR, f"agent-{n}"))[0] for n in range(AGENTS)]
    today = day_of(ctx.clock())
    rows = [
        UsageTotal(
            day=today - timedelta(days=back),
            agent_id=agent.id,
            task_id=task.id,
            model=f"model-{m}",
            tokens=1000,
            cost_micro_usd=10_000,
            reports=1,
        )
        for back in range(1, days + 1)
        for agent in agents
        for m in range(MODELS)
    ]
    await UsageTotal.bulk_create(rows, batch_size=2000)
    return len(rows)


async def work(ctx: Context, name: str) -> tuple[int, float]:
    """Claim, report usage, submit until nothing is left; claims and seconds."""
    agent, done = agent_actor(name), 0
    usage = clean_usage(100, 0.001, "model-0")
    started = time.perf_counter()
    while (claim := await claim_next(ctx, agent)).outcome is ClaimOutcome.CLAIMED:
        assert claim.task is not None
        await report_progress(ctx, agent, claim.task.id, 50, usage=usage)
        await submit_for_review(ctx, agent, claim.task.id)
        done += 1
    return done, time.perf_counter() - started


async def main(tasks: int, days: int, kind: str, rounds: int) -> None:
    async with fresh_database(kind) as url:
        await open_database(Settings(database_url=url))
        try:
            plain = Context(Settings(database_url=url))
            rows = await history(plain, days)
            limits = Settings(
                database_url=url, daily_token_budget=10**11, daily_cost_budget_usd=10**5
            )
            budgeted = Context(limits)
            await set_agent_budget(budgeted, OPERATOR, "agent-1", 10**10, 10**4)
            timings: dict[str, list[float]] = {"baseline": [], "budgets": []}
            for n in range(rounds):  # interleaved, so a slower moment hits both alike
                for label, ctx, name in (
                    ("baseline", plain, "agent-0"),
                    ("budgets", budgeted, "agent-1"),
                ):
                    await backlog(ctx, tasks, f"{label} {n}")
                    done, seconds = await work(ctx, name)
                    assert done == tasks, (label, done)
                    timings[label].append(seconds / done)
        finally:
            await close_database()
    base, checked = median(timings["baseline"]), median(timings["budgets"])
    print(f"database: {kind}, {rounds} rounds of {tasks} tasks, usage history rows: {rows}")
    print(f"baseline, no budget:         {base * 1000:7.1f} ms per claim+report+submit")
    print(f"agent and board budgets set: {checked * 1000:7.1f} ms per claim+report+submit")
    print(f"cost of the budget checks: {checked / base - 1:+.1%} (medians of the rounds)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    options = parser.parse_args()
    asyncio.run(main(options.tasks, options.days, options.database, options.rounds))
