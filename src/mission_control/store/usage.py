"""The usage ledger's rows: totals per (day, agent, task, model), read per task, agent, day or
model, and the budgets table (limits and recorded pauses per scope).

Every read of usage is a sum over the usage_totals table's index (the unique key starts with
the day; agent and task have their own indexes), never over the Event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.functions import Coalesce, Sum

from mission_control.domain.errors import ValidationFailed
from mission_control.domain.usage import Budget, Totals, UsageGroup, UsageReport, day_of
from mission_control.models import Budget as BudgetRow
from mission_control.models import UsageTotal

ROWS_MAX = 1000
BOARD = "*"  # the budgets row of the whole board; never an agent's name
DAYS_MAX = 366


@dataclass(frozen=True)
class UsageRow:
    """Totals for one group; the keys not grouped by are None."""

    totals: Totals
    day: date | None = None
    agent: str | None = None
    task_id: int | None = None
    model: str | None = None


async def add_usage(
    conn: BaseDBAsyncClient, day: date, agent_id: int, task_id: int, report: UsageReport
) -> None:
    """Add one report to its row, creating the row the first time (race-free: the insert
    ignores a row another writer made, the update adds in the database)."""
    key = {"day": day, "agent_id": agent_id, "task_id": task_id, "model": report.model}
    await UsageTotal.bulk_create([UsageTotal(**key)], ignore_conflicts=True, using_db=conn)
    await (
        UsageTotal.filter(**key)
        .using_db(conn)
        .update(
            tokens=F("tokens") + report.tokens,
            cost_micro_usd=F("cost_micro_usd") + report.cost_micro_usd,
            reports=F("reports") + 1,
        )
    )


async def _sum(query: object) -> Totals:
    row = await (
        query.annotate(  # type: ignore[attr-defined]
            t=Coalesce(Sum("tokens"), 0), c=Coalesce(Sum("cost_micro_usd"), 0), r=Sum("reports")
        )
        .first()
        .values("t", "c", "r")
    )
    if not row:
        return Totals()
    return Totals(int(row["t"] or 0), int(row["c"] or 0), int(row["r"] or 0))


async def task_totals(task_id: int, conn: BaseDBAsyncClient | None = None) -> Totals:
    """Everything reported on one task, all days and models."""
    return await _sum(UsageTotal.filter(task_id=task_id).using_db(conn))


async def tasks_totals(task_ids: Sequence[int]) -> dict[int, Totals]:
    """Per task id, everything reported on it (tasks without a report get zeros), in one query."""
    found = dict.fromkeys(task_ids, Totals())
    if not found:
        return found
    rows = (
        await UsageTotal.filter(task_id__in=list(found))
        .annotate(t=Sum("tokens"), c=Sum("cost_micro_usd"), r=Sum("reports"))
        .group_by("task_id")
        .values("task_id", "t", "c", "r")
    )
    for r in rows:
        found[int(r["task_id"])] = Totals(int(r["t"] or 0), int(r["c"] or 0), int(r["r"] or 0))
    return found


async def agent_totals(agent_id: int, day: date, conn: BaseDBAsyncClient | None = None) -> Totals:
    """What one agent reported on one day."""
    return await _sum(UsageTotal.filter(agent_id=agent_id, day=day).using_db(conn))


async def day_totals(day: date, conn: BaseDBAsyncClient | None = None) -> Totals:
    """What every agent reported on one day: the global budget's count."""
    return await _sum(UsageTotal.filter(day=day).using_db(conn))


async def agents_on(day: date, agent_ids: Sequence[int]) -> dict[int, Totals]:
    """Per agent id, what it reported on `day` (agents without a report are left out)."""
    rows = (
        await UsageTotal.filter(day=day, agent_id__in=list(agent_ids))
        .annotate(t=Sum("tokens"), c=Sum("cost_micro_usd"), r=Sum("reports"))
        .group_by("agent_id")
        .values("agent_id", "t", "c", "r")
    )
    return {int(r["agent_id"]): Totals(int(r["t"]), int(r["c"]), int(r["r"])) for r in rows}


_COLUMNS = {
    UsageGroup.DAY: "day",
    UsageGroup.AGENT: "agent__name",
    UsageGroup.TASK: "task_id",
    UsageGroup.MODEL: "model",
}


async def usage_rows(
    since: datetime, until: datetime, group_by: Sequence[UsageGroup]
) -> list[UsageRow]:
    """Totals for the UTC days from `since` to `until` (both included), one row per group,
    largest token count first."""
    first, last = day_of(since), day_of(until)
    if last < first:
        raise ValidationFailed("`until` is before `since`.", field="until")
    if (last - first).days >= DAYS_MAX:
        raise ValidationFailed(f"Ask for at most {DAYS_MAX} days at a time.", field="until")
    columns = [_COLUMNS[group] for group in dict.fromkeys(group_by)]
    in_range = UsageTotal.filter(day__gte=first, day__lte=last)
    if not columns:
        totals = await _sum(in_range)
        return [UsageRow(totals)] if totals.reports else []
    found = (
        await in_range.annotate(t=Sum("tokens"), c=Sum("cost_micro_usd"), r=Sum("reports"))
        .group_by(*columns)
        .order_by("-t")
        .limit(ROWS_MAX)
        .values(*columns, "t", "c", "r")
    )
    return [
        UsageRow(
            Totals(int(row["t"] or 0), int(row["c"] or 0), int(row["r"] or 0)),
            day=_as_date(row.get("day")),
            agent=row.get("agent__name"),
            task_id=row.get("task_id"),
            model=row.get("model"),
        )
        for row in found
    ]


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class BudgetRecord:
    """One scope's limits and its recorded pause (the day it was paused on, and why)."""

    budget: Budget = field(default_factory=Budget)
    paused_on: date | None = None
    paused_reason: str | None = None


async def budget_record(scope: str, conn: BaseDBAsyncClient | None = None) -> BudgetRecord:
    row = await BudgetRow.filter(scope=scope).using_db(conn).first()
    if row is None:
        return BudgetRecord()
    limits = Budget(row.daily_tokens, row.daily_cost_micro_usd)
    return BudgetRecord(limits, row.paused_on, row.paused_reason)


async def budget_records(scopes: Sequence[str]) -> dict[str, BudgetRecord]:
    """The records of several scopes at once (scopes without a row are left out)."""
    rows = await BudgetRow.filter(scope__in=list(scopes))
    return {
        row.scope: BudgetRecord(
            Budget(row.daily_tokens, row.daily_cost_micro_usd), row.paused_on, row.paused_reason
        )
        for row in rows
    }


async def _ensure(conn: BaseDBAsyncClient, scope: str) -> None:
    await BudgetRow.bulk_create([BudgetRow(scope=scope)], ignore_conflicts=True, using_db=conn)


async def save_limits(conn: BaseDBAsyncClient, scope: str, budget: Budget) -> None:
    await _ensure(conn, scope)
    await (
        BudgetRow.filter(scope=scope)
        .using_db(conn)
        .update(daily_tokens=budget.tokens, daily_cost_micro_usd=budget.cost_micro_usd)
    )


async def mark_paused(conn: BaseDBAsyncClient, scope: str, day: date, reason: str) -> bool:
    """Record the pause unless one is already recorded for `day`; True when this call did
    (of writers racing, exactly one)."""
    await _ensure(conn, scope)
    marked = await (
        BudgetRow.filter(Q(paused_on__isnull=True) | Q(paused_on__lt=day), scope=scope)
        .using_db(conn)
        .update(paused_on=day, paused_reason=reason)
    )
    return bool(marked)


async def clear_pause(conn: BaseDBAsyncClient, scope: str, paused_on: date) -> bool:
    """Remove the pause recorded on `paused_on`; True when this call did."""
    cleared = await (
        BudgetRow.filter(scope=scope, paused_on=paused_on)
        .using_db(conn)
        .update(paused_on=None, paused_reason=None)
    )
    return bool(cleared)


async def paused_scopes(day: date | None = None, conn: BaseDBAsyncClient | None = None) -> set[str]:
    """Scopes with a pause recorded on `day` (on any day when None)."""
    query = (
        BudgetRow.filter(paused_on__isnull=False)
        if day is None
        else BudgetRow.filter(paused_on=day)
    )
    scopes = await query.using_db(conn).values_list("scope", flat=True)
    return {str(scope) for scope in scopes}
