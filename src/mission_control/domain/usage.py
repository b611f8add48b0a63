"""Token and cost accounting: what an agent reports it used, and when a daily budget is used up.

Money is counted in whole micro-dollars so sums are exact; a day is a UTC calendar day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from mission_control.domain.errors import ValidationFailed

# One report covers at most one task's work: far beyond these it is a bug, not usage.
TOKENS_MAX = 50_000_000
COST_MAX_USD = 1_000.0
MODEL_MAX = 100
BUDGET_TOKENS_MAX = 10**12
BUDGET_COST_MAX_USD = 1_000_000.0
MICRO = 1_000_000


class UsageGroup(StrEnum):
    """What usage totals can be broken down by."""

    DAY = "day"
    AGENT = "agent"
    TASK = "task"
    MODEL = "model"


@dataclass(frozen=True, slots=True)
class UsageReport:
    """One report: tokens and dollars spent since the last report, and on which model."""

    tokens: int
    cost_micro_usd: int
    model: str  # "" when not said

    @property
    def cost_usd(self) -> float:
        return self.cost_micro_usd / MICRO


@dataclass(frozen=True, slots=True)
class Totals:
    tokens: int = 0
    cost_micro_usd: int = 0
    reports: int = 0

    @property
    def cost_usd(self) -> float:
        return self.cost_micro_usd / MICRO


@dataclass(frozen=True, slots=True)
class Budget:
    """A daily allowance; None means no limit of that kind."""

    tokens: int | None = None
    cost_micro_usd: int | None = None

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_micro_usd is None else self.cost_micro_usd / MICRO

    @property
    def is_set(self) -> bool:
        return self.tokens is not None or self.cost_micro_usd is not None


def to_micro(usd: float) -> int:
    return round(usd * MICRO)


def day_of(moment: datetime) -> date:
    """The UTC calendar day a moment falls on: budgets start afresh at 00:00 UTC."""
    return moment.astimezone(UTC).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def clean_usage(
    tokens: int, cost_usd: float | None = None, model: str | None = None
) -> UsageReport:
    """A usage report within sane bounds, or VALIDATION naming the bad field."""
    if isinstance(tokens, bool) or not 0 <= tokens <= TOKENS_MAX:
        raise ValidationFailed(
            f"Tokens used must be between 0 and {TOKENS_MAX:,} per report; got {tokens}.",
            field="tokens",
        )
    cost = 0.0 if cost_usd is None else cost_usd
    if not math.isfinite(cost) or not 0 <= cost <= COST_MAX_USD:
        raise ValidationFailed(
            f"The cost must be between 0 and {COST_MAX_USD:,.0f} USD per report; got {cost_usd}.",
            field="costUsd",
        )
    name = (model or "").strip()
    if len(name) > MODEL_MAX or not name.isprintable():
        raise ValidationFailed(
            f"The model name must be printable and at most {MODEL_MAX} characters.",
            field="model",
        )
    return UsageReport(tokens=tokens, cost_micro_usd=to_micro(cost), model=name)


def clean_budget(tokens: int | None, cost_usd: float | None) -> Budget:
    """A daily budget: each part positive and bounded, or None for no limit of that kind."""
    if tokens is not None and (isinstance(tokens, bool) or not 1 <= tokens <= BUDGET_TOKENS_MAX):
        raise ValidationFailed(
            f"A daily token budget is between 1 and {BUDGET_TOKENS_MAX:,}; got {tokens}.",
            field="tokens",
        )
    if cost_usd is not None and (
        not math.isfinite(cost_usd) or not 0 < cost_usd <= BUDGET_COST_MAX_USD
    ):
        raise ValidationFailed(
            f"A daily cost budget is more than 0 and at most {BUDGET_COST_MAX_USD:,.0f} USD; "
            f"got {cost_usd}.",
            field="costUsd",
        )
    return Budget(tokens, None if cost_usd is None else to_micro(cost_usd))


def used_up(whose: str, budget: Budget, used: Totals, day: date) -> str | None:
    """Why `whose` daily budget is used up on `day` (it names the budget and the figures), or
    None while there is some left."""
    if budget.tokens is not None and used.tokens >= budget.tokens:
        spent = f"daily token budget of {budget.tokens:,} is used up ({used.tokens:,} tokens"
    elif budget.cost_micro_usd is not None and used.cost_micro_usd >= budget.cost_micro_usd:
        spent = (
            f"daily cost budget of ${budget.cost_micro_usd / MICRO:,.2f} is used up "
            f"(${used.cost_usd:,.2f}"
        )
    else:
        return None
    return (
        f"{whose} {spent} on {day.isoformat()} UTC); no new task until 00:00 UTC "
        f"or until the operator raises the budget."
    )
