"""Usage reports, daily budgets and their pauses, on both databases, with a clock moved by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.errors import ErrorCode, MissionControlError
from mission_control.domain.usage import Totals, UsageGroup, clean_usage
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event, Task, UsageTotal
from mission_control.services import agents as agent_services
from mission_control.services.budgets import budget_state, resume_budgets, set_agent_budget
from mission_control.services.claims import claim_next, claim_task, report_progress
from mission_control.services.moves import submit_for_review
from mission_control.services.routing import route_ready_tasks
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.services.usage_reports import report_usage
from mission_control.store.context import Context
from mission_control.store.usage import agent_totals, task_totals, usage_rows
from tests.support.service_context import START, clock_of, open_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)


@pytest.fixture
async def ctx(kind: str, tmp_path: Path) -> AsyncIterator[Context]:
    async for context in open_ctx(kind, tmp_path):
        yield context


async def ready(ctx: Context, title: str = "work") -> Task:
    return await create_task(ctx, OPERATOR, TaskDraft(title, "do it", 3))


async def kinds(*wanted: str) -> list[str]:
    return [e.kind for e in await Event.filter(kind__in=list(wanted)).order_by("id")]


async def work_one(ctx: Context, name: str, tokens: int, cost: float = 0.0) -> Task:
    """The agent claims the next task, reports its usage with a progress report, submits."""
    claim = await claim_next(ctx, agent_actor(name))
    assert claim.outcome is ClaimOutcome.CLAIMED and claim.task is not None, claim.reason
    usage = clean_usage(tokens, cost, "test-model")
    await report_progress(ctx, agent_actor(name), claim.task.id, 50, usage=usage)
    return await submit_for_review(ctx, agent_actor(name), claim.task.id, "done")


async def test_usage_reports_add_up_per_task_agent_day_and_model(ctx: Context) -> None:
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    await agent_services.register_agent(ctx, OPERATOR, "ops")
    first, second = await ready(ctx, "one"), await ready(ctx, "two")
    await claim_task(ctx, agent_actor("dev"), first.id)
    await claim_task(ctx, agent_actor("ops"), second.id)

    await report_usage(ctx, agent_actor("dev"), first.id, clean_usage(100, 0.01, "small"))
    await report_progress(ctx, agent_actor("dev"), first.id, 40, usage=clean_usage(250, 0.02))
    await submit_for_review(
        ctx, agent_actor("dev"), first.id, "ok", usage=clean_usage(50, None, "small")
    )
    clock_of(ctx).advance(days=1)
    await report_usage(ctx, agent_actor("ops"), second.id, clean_usage(1000, 1.5, "big"))

    assert await task_totals(first.id) == Totals(400, 30_000, 3)
    assert await task_totals(second.id) == Totals(1000, 1_500_000, 1)
    dev = await agent_services.get_agent("dev", ctx)
    assert await agent_totals(dev.id, START.date()) == Totals(400, 30_000, 3)
    assert await agent_totals(dev.id, START.date() + timedelta(days=1)) == Totals()
    week = START + timedelta(days=6)
    by_day = await usage_rows(START, week, [UsageGroup.DAY])
    assert [(r.day, r.totals.tokens) for r in by_day] == [
        (date(2026, 11, 26), 1000),
        (date(2026, 11, 25), 400),
    ]
    by_agent_model = await usage_rows(START, week, [UsageGroup.AGENT, UsageGroup.MODEL])
    assert {(r.agent, r.model, r.totals.tokens) for r in by_agent_model} == {
        ("ops", "big", 1000),
        ("dev", "small", 150),
        ("dev", "", 250),
    }
    assert [r.totals for r in await usage_rows(START, week, [])] == [Totals(1400, 1_530_000, 4)]
    assert await kinds("usage") == ["usage"] * 4
    submitted = await Event.filter(kind="submitted").first()
    last_usage = await Event.filter(kind="usage", task_id=first.id).order_by("-id").first()
    assert submitted is not None and last_usage is not None and last_usage.id < submitted.id


async def test_a_used_up_budget_pauses_the_agent_with_the_figures_until_raised(
    ctx: Context,
) -> None:
    await agent_services.register_agent(ctx, OPERATOR, "dev")
    for n in range(3):
        await ready(ctx, f"t{n}")
    state = await set_agent_budget(ctx, OPERATOR, "dev", tokens=1000)
    assert state.budget.tokens == 1000 and state.paused_reason is None

    await work_one(ctx, "dev", 600)
    assert await kinds("budget_paused") == []
    await work_one(ctx, "dev", 600)

    paused = await Event.filter(kind="budget_paused").get()
    assert paused.agent_name == "dev" and paused.actor == "budget-keeper"
    reason = paused.payload["reason"]
    assert "daily token budget of 1,000 is used up (1,200 tokens on 2026-11-25 UTC)" in reason
    refused = await claim_next(ctx, agent_actor("dev"))
    assert refused.outcome is ClaimOutcome.NOTHING and refused.reason == reason
    third = await Task.get(title="t2")
    with pytest.raises(MissionControlError) as named:
        await claim_task(ctx, agent_actor("dev"), third.id)
    assert named.value.code is ErrorCode.PAUSED
    dev = await agent_services.get_agent("dev", ctx)
    assert (await budget_state(ctx, dev.id, "dev")).paused_reason == reason

    await set_agent_budget(ctx, OPERATOR, "dev", tokens=5000)

    resumed = await Event.filter(kind="budget_resumed").get()
    assert resumed.payload["reason"] == (
        "budget pause lifted: the operator set the budget to 5,000 tokens a day"
    )
    assert (await claim_next(ctx, agent_actor("dev"))).outcome is ClaimOutcome.CLAIMED
    assert await kinds("budget_changed", "budget_paused", "budget_resumed") == [
        "budget_changed",
        "budget_paused",
        "budget_changed",
        "budget_resumed",
    ]


async def test_a_budget_pause_ends_with_the_utc_day_and_the_sweep_says_so_once(
    ctx: Context,
) -> None:
    await agent_services.register_agent(ctx, OPERATOR, "dev", ["python"])
    await agent_services.heartbeat(ctx, agent_actor("dev"))
    await set_agent_budget(ctx, OPERATOR, "dev", cost_usd=0.5)
    await ready(ctx, "one")
    await work_one(ctx, "dev", 10, cost=0.75)
    assert (
        "daily cost budget of $0.50 is used up ($0.75"
        in (await Event.filter(kind="budget_paused").get()).payload["reason"]
    )
    clock_of(ctx).advance(hours=13)  # 23:00 UTC: still the same day
    assert await resume_budgets(ctx) == 0
    later = await create_task(ctx, OPERATOR, TaskDraft("later", "do it", 3, ["python"]))
    assert later.assignee is None  # routing passes over an agent out of budget

    clock_of(ctx).advance(hours=1, seconds=1)  # 00:00:01 UTC the next day
    assert (await claim_next(ctx, agent_actor("dev"))).outcome is ClaimOutcome.CLAIMED
    assert await resume_budgets(ctx) == 1
    assert await resume_budgets(ctx) == 0
    resumed = await Event.filter(kind="budget_resumed").get()
    assert resumed.payload["reason"] == "budget pause lifted: a new day"


async def test_the_board_budget_pauses_every_agent(kind: str, tmp_path: Path) -> None:
    async for ctx in open_ctx(kind, tmp_path, daily_token_budget=1000):
        for name in ("dev", "ops"):
            await agent_services.register_agent(ctx, OPERATOR, name)
        for n in range(3):
            await ready(ctx, f"t{n}")
        await work_one(ctx, "dev", 700)
        await work_one(ctx, "ops", 300)

        paused = await Event.filter(kind="budget_paused").get()
        assert paused.agent_name is None and paused.payload["scope"] == "board"
        assert paused.payload["reason"].startswith(
            "The board's daily token budget of 1,000 is used up (1,000 tokens"
        )
        for name in ("dev", "ops"):
            answer = await claim_next(ctx, agent_actor(name))
            assert answer.outcome is ClaimOutcome.NOTHING
            assert answer.reason == paused.payload["reason"]
        assert await route_ready_tasks(ctx) == 0


@pytest.mark.parametrize(
    ("tokens", "cost", "model", "field"),
    [
        (-1, None, None, "tokens"),
        (50_000_001, None, None, "tokens"),
        (10, -0.5, None, "costUsd"),
        (10, 1e9, None, "costUsd"),
        (10, float("nan"), None, "costUsd"),
        (10, None, "x" * 101, "model"),
    ],
)
def test_bad_usage_is_refused_naming_the_field(
    tokens: int, cost: float | None, model: str | None, field: str
) -> None:
    with pytest.raises(MissionControlError) as refused:
        clean_usage(tokens, cost, model)
    assert refused.value.code is ErrorCode.VALIDATION
    assert refused.value.details["field"] == field


async def test_usage_on_an_unknown_or_someone_elses_task_changes_nothing(ctx: Context) -> None:
    for name in ("dev", "ops"):
        await agent_services.register_agent(ctx, OPERATOR, name)
    task = await ready(ctx)
    await claim_task(ctx, agent_actor("dev"), task.id)
    before = await Event.all().count()
    usage = clean_usage(10)

    attempts = {
        ErrorCode.NOT_FOUND: report_usage(ctx, agent_actor("dev"), 999, usage),
        ErrorCode.FORBIDDEN: report_usage(ctx, agent_actor("ops"), task.id, usage),
    }
    for code, attempt in attempts.items():
        with pytest.raises(MissionControlError) as refused:
            await attempt
        assert refused.value.code is code
    with pytest.raises(MissionControlError) as refused:
        await submit_for_review(ctx, agent_actor("ops"), task.id, "mine", usage=usage)
    assert refused.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(MissionControlError) as negative:
        await set_agent_budget(ctx, OPERATOR, "dev", tokens=-5)
    assert negative.value.code is ErrorCode.VALIDATION
    with pytest.raises(MissionControlError) as agent_sets:
        await set_agent_budget(ctx, agent_actor("dev"), "dev", tokens=10**9)
    assert agent_sets.value.code is ErrorCode.FORBIDDEN

    assert await Event.all().count() == before
    assert await UsageTotal.all().count() == 0
    assert (await Task.get(id=task.id)).status is TaskStatus.IN_PROGRESS


async def test_concurrent_reports_add_exactly_and_pause_once(ctx: Context) -> None:
    names = [f"a{n}" for n in range(6)]
    for name in names:
        await agent_services.register_agent(ctx, OPERATOR, name)
        await set_agent_budget(ctx, OPERATOR, name, tokens=100)
        task = await ready(ctx, name)
        await claim_task(ctx, agent_actor(name), task.id)
    held = {t.title: t.id for t in await Task.all()}

    await asyncio.gather(
        *(
            report_usage(ctx, agent_actor(name), held[name], clean_usage(30))
            for name in names
            for _ in range(5)
        )
    )

    for name in names:
        assert await task_totals(held[name]) == Totals(150, 0, 5)
    paused = await Event.filter(kind="budget_paused").values_list("agent_name", flat=True)
    assert sorted(paused) == names  # type: ignore[type-var]
