"""Usage and budget types: what agents report they spent, totals, and daily budgets."""

from __future__ import annotations

from datetime import date
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from mission_control.domain.errors import ValidationFailed
from mission_control.domain.usage import Totals, UsageReport, clean_usage
from mission_control.domain.usage import UsageGroup as DomainUsageGroup
from mission_control.services.budgets import BudgetState
from mission_control.store.usage import UsageRow


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"Expected a whole number, got {value!r}.")
    return value


Long = NewType("Long", int)
LONG = strawberry.scalar(
    name="Long",
    description="A whole number that may not fit in 32 bits (token counts).",
    serialize=int,
    parse_value=_parse_long,
)
SCALARS: dict[object, ScalarDefinition] = {Long: LONG}  # the schema's scalar_map

strawberry.enum(DomainUsageGroup, name="UsageGroup")
UsageGroup = DomainUsageGroup


@strawberry.input(description="What an agent spent since its last report.")
class UsageInput:
    tokens: int = strawberry.field(description="Tokens used, 0 to 50,000,000.")
    cost_usd: float | None = strawberry.field(default=None, description="Dollars, 0 to 1,000.")
    model: str | None = strawberry.field(default=None, description="The model used.")

    def report(self) -> UsageReport:
        """The validated report (VALIDATION naming the bad field)."""
        return clean_usage(self.tokens, self.cost_usd, self.model)


def report_of(usage: UsageInput | None) -> UsageReport | None:
    return usage.report() if usage is not None else None


@strawberry.type(description="Usage summed over reports.")
class Usage:
    tokens: Long
    cost_usd: float
    reports: int

    @classmethod
    def from_totals(cls, totals: Totals) -> Usage:
        return cls(tokens=Long(totals.tokens), cost_usd=totals.cost_usd, reports=totals.reports)


@strawberry.type(description="Usage of one group; the keys not grouped by are null.")
class UsageTotal:
    day: date | None
    agent: str | None
    task_id: int | None
    model: str | None
    usage: Usage

    @classmethod
    def from_row(cls, row: UsageRow) -> UsageTotal:
        return cls(
            day=row.day,
            agent=row.agent,
            task_id=row.task_id,
            model=row.model,
            usage=Usage.from_totals(row.totals),
        )


@strawberry.type(description="An agent's daily budget (UTC days) and how much of it is used.")
class AgentBudget:
    tokens_per_day: Long | None = strawberry.field(description="Null: no token limit.")
    cost_usd_per_day: float | None = strawberry.field(description="Null: no cost limit.")
    used_today: Usage
    paused_reason: str | None = strawberry.field(
        description="Why it gets no new task today, when its budget is used up."
    )

    @classmethod
    def from_state(cls, state: BudgetState) -> AgentBudget:
        return cls(
            tokens_per_day=None if state.budget.tokens is None else Long(state.budget.tokens),
            cost_usd_per_day=state.budget.cost_usd,
            used_today=Usage.from_totals(state.used),
            paused_reason=state.paused_reason,
        )
