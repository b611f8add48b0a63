"""Resolvers of usage reports, usage totals and budgets."""

from __future__ import annotations

from datetime import datetime

from mission_control.domain.usage import UsageGroup, UsageReport
from mission_control.resolvers.context import Info, caller
from mission_control.services import budgets, usage_reports
from mission_control.store import usage
from mission_control.store.views import TaskView


async def report_usage(info: Info, id: int, report: UsageReport) -> TaskView:
    ctx = info.context.services
    return await usage_reports.report_usage(ctx, await caller(info), id, report)


async def usage_totals(
    info: Info, since: datetime, until: datetime, groups: list[UsageGroup]
) -> list[usage.UsageRow]:
    await caller(info)
    return await usage.usage_rows(since, until, groups)


async def set_agent_budget(
    info: Info,
    name: str,
    tokens: int | budgets.Keep | None,
    cost_usd: float | budgets.Keep | None,
) -> budgets.BudgetState:
    ctx = info.context.services
    return await budgets.set_agent_budget(ctx, await caller(info), name, tokens, cost_usd)
