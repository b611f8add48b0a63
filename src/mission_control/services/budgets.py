"""Daily budgets: one per agent (set by the operator) and one for the whole board (settings).

The rule lives in domain/pickup.py's `budget_verdict`, which the pickup gate asks on every
claim with the totals the claim read (store/claims.py): it compares today's usage totals with
the budgets, so a new UTC day or a raised budget lets work through at once. The pause and
resume Events are the record of it: written in the transaction of the usage report that used
a budget up, of the operator's change, or by the sweep (new day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.usage import Budget, Totals, clean_budget, day_of, used_up
from mission_control.models import Agent
from mission_control.settings import Settings
from mission_control.store import usage
from mission_control.store.claims import Connection
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_agent

BOARD = usage.BOARD
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


async def _verdict(
    ctx: Context,
    agent: Agent | None,
    day: date,
    conn: Connection | None,
    record: usage.BudgetRecord | None = None,
) -> str | None:
    """Why this scope (an agent, or the board when None) may not take work on `day`."""
    if agent is None:
        budget = board_budget(ctx.settings)
        if not budget.is_set:
            return None
        return used_up("The board's", budget, await usage.day_totals(day, conn), day)
    budget = (record or await usage.budget_record(agent.name, conn)).budget
    if not budget.is_set:
        return None
    used = await usage.agent_totals(agent.id, day, conn)
    return used_up(f"Agent {agent.name}'s", budget, used, day)


async def reconcile(ch: Change, ctx: Context, agent: Agent | None, why: str = "") -> None:
    """Make the recorded pause of one scope match its budget today, with an Event per change:
    paused when used up, resumed when not any more (new day, raised budget)."""
    scope, today = (agent.name if agent else BOARD), day_of(ch.now)
    record = await usage.budget_record(scope, ch.conn)
    reason = await _verdict(ctx, agent, today, ch.conn, record)
    name, kind = (agent.name, "agent") if agent else (None, "board")
    if reason is not None:
        if record.paused_on != today and await usage.mark_paused(ch.conn, scope, today, reason):
            ch.record(
                EventKind.BUDGET_PAUSED,
                BUDGET_KEEPER.label,
                agent_name=name,
                scope=kind,
                reason=reason,
            )
        return
    if record.paused_on is not None and await usage.clear_pause(ch.conn, scope, record.paused_on):
        new_day = record.paused_on < today
        because = why or ("a new day" if new_day else "the budget has room again")
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
    require_operator(actor, "set budgets")
    async with change(ctx) as ch:
        agent = await load_agent(name.strip().lower(), ch.conn)
        before = (await usage.budget_record(agent.name, ch.conn)).budget
        after = clean_budget(
            before.tokens if isinstance(tokens, Keep) else tokens,
            before.cost_usd if isinstance(cost_usd, Keep) else cost_usd,
        )
        if after != before:
            await usage.save_limits(ch.conn, agent.name, after)
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
    return (await budget_states(ctx, [(agent_id, name)]))[name]


async def budget_states(ctx: Context, agents: Sequence[tuple[int, str]]) -> dict[str, BudgetState]:
    """`budget_state` of several agents (id, name) in two reads, for the agents page."""
    today = day_of(ctx.clock())
    used = await usage.agents_on(today, [agent_id for agent_id, _ in agents])
    records = await usage.budget_records([name for _, name in agents] + [BOARD])
    board = records.get(BOARD, usage.BudgetRecord())
    states = {}
    for agent_id, name in agents:
        own = records.get(name, usage.BudgetRecord())
        paused = next((r.paused_reason for r in (own, board) if r.paused_on == today), None)
        states[name] = BudgetState(own.budget, used.get(agent_id, Totals()), paused)
    return states


async def resume_budgets(ctx: Context) -> int:
    """The sweep: lift every recorded pause whose budget has room today (a new UTC day, a
    raised budget); returns how many were lifted."""
    lifted = 0
    for scope in sorted(await usage.paused_scopes()):
        try:
            agent = None if scope == BOARD else await load_agent(scope)
        except NotFound:
            continue  # a budget row outlives nothing else; nothing to resume
        async with change(ctx) as ch:
            await reconcile(ch, ctx, agent)
            lifted += any(e.kind == EventKind.BUDGET_RESUMED for e in ch.pending)
    return lifted
