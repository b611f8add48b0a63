"""Resolvers of usage reports, usage totals and budgets."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.resolvers.context import Info, caller
from mission_control.schema import types
from mission_control.schema.usage import AgentBudget, Long, UsageGroup, UsageInput, UsageTotal
from mission_control.services import budgets, usage_reports
from mission_control.store import usage


async def report_usage(info: Info, id: int, usage: UsageInput) -> types.Task:
    ctx = info.context.services
    report = usage.report()
    return types.Task.from_row(
        await usage_reports.report_usage(ctx, await caller(info), id, report)
    )


async def usage_totals(
    info: Info,
    since: datetime,
    until: datetime,
    group_by: list[UsageGroup] | None = None,
) -> list[UsageTotal]:
    await caller(info)
    groups = list(group_by or [])
    return [UsageTotal.from_row(row) for row in await usage.usage_rows(since, until, groups)]


async def set_agent_budget(
    info: Info,
    name: str,
    tokens: Long | None = strawberry.UNSET,
    cost_usd: float | None = strawberry.UNSET,
) -> AgentBudget:
    ctx = info.context.services
    state = await budgets.set_agent_budget(
        ctx,
        await caller(info),
        name,
        budgets.KEEP if tokens is strawberry.UNSET else tokens,
        budgets.KEEP if cost_usd is strawberry.UNSET else cost_usd,
    )
    return AgentBudget.from_state(state)
