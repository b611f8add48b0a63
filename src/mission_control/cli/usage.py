"""`mission-control agent budget NAME` and `mission-control usage`: budgets and usage totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import typer

from mission_control.cli.client import call, connect, emit_json
from mission_control.cli.console import err, out, table_of
from mission_control.client.generated.operations import UsageGroup


def _budget_line(name: str, budget: Any) -> str:
    limits = []
    if budget.tokens_per_day is not None:
        limits.append(f"{budget.tokens_per_day:,} tokens")
    if budget.cost_usd_per_day is not None:
        limits.append(f"${budget.cost_usd_per_day:,.2f}")
    used = budget.used_today
    line = (
        f"{name}: budget {' and '.join(limits) or 'none'} a day; today {used.tokens:,} tokens, "
        f"${used.cost_usd:,.2f} in {used.reports} report(s)"
    )
    return line + (
        f"\n[yellow]paused: {budget.paused_reason}[/yellow]" if budget.paused_reason else ""
    )


def budget(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The agent."),
    tokens: int | None = typer.Option(None, help="Tokens a day (UTC); left out: unchanged."),
    cost: float | None = typer.Option(None, help="Dollars a day (UTC); left out: unchanged."),
    clear: bool = typer.Option(False, "--clear", help="Remove both limits."),
) -> None:
    """(Operator) Set an agent's daily budget, or show it with no option. When today's usage
    reaches it the agent gets no new task until 00:00 UTC or until the budget is raised."""
    conn = connect(ctx)
    if clear and (tokens is not None or cost is not None):
        err.print("[red]--clear removes the limits; do not pass --tokens or --cost with it.[/red]")
        raise typer.Exit(2)
    state: Any
    if clear:
        state = call(lambda: conn.ops.cli_clear_agent_budget(name)).set_agent_budget
    else:
        set_budget = lambda: conn.ops.cli_set_agent_budget(name, tokens=tokens, cost_usd=cost)  # noqa: E731
        state = call(set_budget).set_agent_budget
    if conn.as_json:
        emit_json(state)
        return
    out.print(_budget_line(name, state))


def usage(
    ctx: typer.Context,
    days: int = typer.Option(1, min=1, max=366, help="UTC days back, today included."),
    by: str = typer.Option("agent", help="Group by: any of day,agent,task,model (comma list)."),
) -> None:
    """Usage totals (tokens, dollars, reports) over the last DAYS, grouped."""
    conn = connect(ctx)
    try:
        groups = [UsageGroup(part.strip().upper()) for part in by.split(",") if part.strip()]
    except ValueError:
        err.print(f"[red]--by takes day, agent, task and model; got {by!r}.[/red]")
        raise typer.Exit(2) from None
    until = datetime.now(UTC)
    since = until - timedelta(days=days - 1)
    rows = call(lambda: conn.ops.cli_usage(since, until, group_by=groups)).usage
    if conn.as_json:
        emit_json(rows)
        return
    keys = [group.value.lower() for group in groups]
    table = table_of(*keys, "tokens", "cost", "reports")
    for row in rows:
        shown = {"day": row.day, "agent": row.agent, "task": row.task_id, "model": row.model}
        cells = ["" if shown[key] is None else str(shown[key]) for key in keys]
        table.add_row(
            *cells, f"{row.usage.tokens:,}", f"${row.usage.cost_usd:,.2f}", str(row.usage.reports)
        )
    out.print(table)
