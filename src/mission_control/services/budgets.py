"""Daily budgets: one per agent (set by the operator) and one for the whole board (settings).

The rule lives in `budget_refusal`, which the pickup gate asks on every claim: it compares
today's usage totals with the budgets, so a new UTC day or a raised budget lets work through
at once. The pause and resume Events are the record of it: written in the transaction of the
usage report that used a budget up, of the operator's change, or by the sweep (new day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden
from mission_control.domain.events import EventKind
from mission_control.domain.usage import Budget, Totals, clean_budget, day_of, used_up
from mission_control.models import Agent
from mission_control.models import Budget as BudgetRow
from mission_control.services import usage
from mission_control.services.context import Context
from mission_control.services.journal import Change, change
from mission_control.services.rows import load_agent
from mission_control.settings import Settings

BOARD = "*"  # the scope of the global budget; never an agent's name
BUDGET_KEEPER = Actor(Role.SYSTEM, "budget-keeper")


class Keep(Enum):
    """Leave this part of a budget as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class BudgetState:
    """A budget as the operator sees it: limits, what is used today, and the pause if any."""

    budget: Budget
    used: Totals
    paused_reason: str | None


def board_budget(settings: Settings) -> Budget:
    """The global daily budget, from MC_DAILY_TOKEN_BUDGET and MC_DAILY_COST_BUDGET_USD."""
    cost = settings.daily_cost_budget_usd
    return Budget(settings.daily_token_budget, None if cost is None else round(cost * 1_000_000))


async def agent_budget(name: str, conn: BaseDBAsyncClient | None = None) -> Budget:
    row = await BudgetRow.filter(scope=name).using_db(conn).first()
    if row is None:
        return Budget()
    return Budget(row.daily_tokens, row.daily_cost_micro_usd)


async def _verdict(
    ctx: Context, agent: Agent | None, day: date, conn: BaseDBAsyncClient | None
) -> str | None:
    """Why this scope (an agent, or the board when None) may not take work on `day`."""
    if agent is None:
        budget = board_budget(ctx.settings)
        if not budget.is_set:
            return None
        return used_up("The board's", budget, await usage.day_totals(day, conn), day)
    budget = await agent_budget(agent.name, conn)
    if not budget.is_set:
        return None
    used = await usage.agent_totals(agent.id, day, conn)
    return used_up(f"Agent {agent.name}'s", budget, used, day)


async def budget_refusal(ctx: Context, agent: Agent, conn: BaseDBAsyncClient) -> str | None:
    """Why the agent gets no new task today because a budget is used up; None when it may."""
    today = day_of(ctx.clock())
    return await _verdict(ctx, agent, today, conn) or await _verdict(ctx, None, today, conn)


async def paused_names(day: date, conn: BaseDBAsyncClient | None = None) -> set[str]:
    """Agents paused by their budget today; "*" among them when the board's budget is out."""
    return set(
        await BudgetRow.filter(paused_on=day).using_db(conn).values_list("scope", flat=True)  # type: ignore[arg-type]
    )


async def reconcile(ch: Change, ctx: Context, agent: Agent | None, why: str = "") -> None:
    """Make the recorded pause of one scope match its budget today, with an Event per change:
    paused when used up, resumed when not any more (new day, raised budget)."""
    scope, today = (agent.name if agent else BOARD), day_of(ch.now)
    reason = await _verdict(ctx, agent, today, ch.conn)
    row = await BudgetRow.filter(scope=scope).using_db(ch.conn).first()
    name, kind = (agent.name, "agent") if agent else (None, "board")
    if reason is not None:
        if row is not None and row.paused_on == today:
            return
        await BudgetRow.bulk_create(
            [BudgetRow(scope=scope)], ignore_conflicts=True, using_db=ch.conn
        )
        marked = await (
            BudgetRow.filter(Q(paused_on__isnull=True) | Q(paused_on__lt=today), scope=scope)
            .using_db(ch.conn)
            .update(paused_on=today, paused_reason=reason)
        )
        if marked:
            ch.record(
                EventKind.BUDGET_PAUSED,
                BUDGET_KEEPER.label,
                agent_name=name,
                scope=kind,
                reason=reason,
            )
        return
    if row is None or row.paused_on is None:
        return
    cleared = await (
        BudgetRow.filter(scope=scope, paused_on=row.paused_on)
        .using_db(ch.conn)
        .update(paused_on=None, paused_reason=None)
    )
    if cleared:
        because = why or ("a new day" if row.paused_on < today else "the budget has room again")
        ch.record(
            EventKind.BUDGET_RESUMED,
            BUDGET_KEEPER.label,
            agent_name=name,
            scope=kind,
            reason=f"budget pause lifted: {because}",
        )


async def pause_if_used_up(ch: Change, ctx: Context, agent: Agent) -> None:
    """After a usage report: pause the agent, or the whole board, whose budget it used up."""
    await reconcile(ch, ctx, agent)
    if board_budget(ctx.settings).is_set:
        await reconcile(ch, ctx, None)


async def set_agent_budget(
    ctx: Context,
    actor: Actor,
    name: str,
    tokens: int | Keep | None = KEEP,
    cost_usd: float | Keep | None = KEEP,
) -> BudgetState:
    """Set an agent's daily budget (None: no limit of that kind; KEEP: unchanged). Raising it
    past today's usage resumes the agent at once; lowering it under today's usage pauses it."""
    if not actor.is_operator:  # not services.tasks.require_operator: roster imports this
        raise Forbidden("Only the operator can set budgets.", role=str(actor.role))
    async with change(ctx) as ch:
        agent = await load_agent(name.strip().lower(), ch.conn)
        before = await agent_budget(agent.name, ch.conn)
        after = clean_budget(
            before.tokens if isinstance(tokens, Keep) else tokens,
            before.cost_usd if isinstance(cost_usd, Keep) else cost_usd,
        )
        if after != before:
            await BudgetRow.bulk_create(
                [BudgetRow(scope=agent.name)], ignore_conflicts=True, using_db=ch.conn
            )
            await (
                BudgetRow.filter(scope=agent.name)
                .using_db(ch.conn)
                .update(daily_tokens=after.tokens, daily_cost_micro_usd=after.cost_micro_usd)
            )
            ch.record(
                EventKind.BUDGET_CHANGED,
                actor.label,
                agent_name=agent.name,
                tokens=after.tokens,
                cost_usd=after.cost_usd,
                previous={"tokens": before.tokens, "cost_usd": before.cost_usd},
            )
            await reconcile(ch, ctx, agent, f"the operator set the budget to {_shown(after)}")
    return await budget_state(ctx, agent.id, agent.name)


def _shown(budget: Budget) -> str:
    parts = []
    if budget.tokens is not None:
        parts.append(f"{budget.tokens:,} tokens")
    if budget.cost_usd is not None:
        parts.append(f"${budget.cost_usd:,.2f}")
    return " and ".join(parts) + " a day" if parts else "no limit"


async def budget_state(ctx: Context, agent_id: int, name: str) -> BudgetState:
    """An agent's budget, its usage today, and its pause reason (None when not paused today;
    the board's pause counts too)."""
    today = day_of(ctx.clock())
    rows = {row.scope: row for row in await BudgetRow.filter(scope__in=[name, BOARD])}
    row, board = rows.get(name), rows.get(BOARD)
    budget = Budget(row.daily_tokens, row.daily_cost_micro_usd) if row else Budget()
    paused = next(
        (r.paused_reason for r in (row, board) if r is not None and r.paused_on == today), None
    )
    return BudgetState(budget, await usage.agent_totals(agent_id, today), paused)


async def resume_budgets(ctx: Context) -> int:
    """The sweep: lift every recorded pause whose budget has room today (a new UTC day, a
    raised budget); returns how many were lifted."""
    lifted = 0
    for row in await BudgetRow.filter(paused_on__isnull=False):
        async with change(ctx) as ch:
            agent = None if row.scope == BOARD else await Agent.filter(name=row.scope).first()
            if agent is None and row.scope != BOARD:
                continue
            await reconcile(ch, ctx, agent)
            lifted += any(e.kind == EventKind.BUDGET_RESUMED for e in ch.pending)
    return lifted
