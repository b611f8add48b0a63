"""`mission-control agent ...`: register agents, list and pause them, and run one."""

from __future__ import annotations

import asyncio
import contextlib

import typer
from rich.table import Table

from mission_control.cli.client import call, connect, emit_json, err, out
from mission_control.client.transport import ServerRefused

agent_app = typer.Typer(help="Register, list, pause and run agents.", no_args_is_help=True)


@agent_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The agent's unique name."),
    skills: str = typer.Option("", help="Comma-separated skills, e.g. python,docs."),
    wip_limit: int = typer.Option(1, help="How many tasks it may hold at once."),
) -> None:
    """Register an agent and print its token (shown only this once)."""
    conn = connect(ctx)
    wanted = [skill.strip() for skill in skills.split(",") if skill.strip()]
    result = call(lambda: conn.ops.cli_register_agent(name, skills=wanted, wip_limit=wip_limit))
    if conn.as_json:
        emit_json(result.register_agent)
        return
    agent = result.register_agent.agent
    out.print(f"Agent [bold]{agent.name}[/bold] registered (skills: {', '.join(agent.skills)}).")
    out.print(f"Token (shown once, keep it): [bold]{result.register_agent.token}[/bold]")


@agent_app.command("run")
def run(
    ctx: typer.Context,
    name: str = typer.Option(..., help="The agent's name (as registered)."),
    command: str = typer.Option(..., help="Shell command run on each task."),
    interval: float = typer.Option(1800.0, min=0.1, help="Seconds between heartbeats."),
    server: str | None = typer.Option(None, help="Server URL (MC_SERVER_URL)."),
    token: str | None = typer.Option(None, help="The agent's token (MC_TOKEN)."),
    token_budget: int | None = typer.Option(None, help="Tokens left, sent with each heartbeat."),
) -> None:
    """Run an agent: each heartbeat take at most one task, run COMMAND on it, hand it in.

    The task reaches COMMAND as MC_TASK_* variables and as JSON on stdin. Stdout lines
    `PROGRESS 40` or {"progress": 40, "note": "..."} are reported; exit 0 submits the task
    for review with the output's tail, any other exit blocks it with the error's tail.
    """
    from mission_control.client.runner import Runner, RunnerConfig, configure_logging

    conn = connect(ctx, server=server, token=token)
    if not conn.token:
        err.print("[red]An agent token is needed: --token or MC_TOKEN.[/red]")
        raise typer.Exit(2)
    configure_logging(name)
    config = RunnerConfig(
        name, conn.token, conn.server, command, interval=interval, token_budget=token_budget
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(Runner(config).run())
    except ServerRefused as error:
        err.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(1) from None
    err.print(f"Runner {name} stopped.")


@agent_app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """List agents: status, load, current task and progress."""
    conn = connect(ctx)
    agents = call(conn.ops.cli_agents).agents
    if conn.as_json:
        emit_json(agents)
        return
    table = Table(
        "name", "status", "skills", "load", "paused", "task", "progress", "tokens today", "note"
    )
    for agent in agents:
        task = f"#{agent.current_task.id} {agent.current_task.title}" if agent.current_task else ""
        table.add_row(
            agent.name,
            agent.status.value,
            ",".join(agent.skills),
            f"{agent.current_load}%",
            "yes" if agent.paused else ("budget" if agent.budget.paused_reason else ""),
            task,
            "" if agent.progress is None else f"{agent.progress}%",
            f"{agent.budget.used_today.tokens:,}"
            + (f" / {agent.budget.tokens_per_day:,}" if agent.budget.tokens_per_day else ""),
            agent.note or "",
        )
    out.print(table)


@agent_app.command("pause")
def pause(ctx: typer.Context, name: str = typer.Argument(..., help="The agent.")) -> None:
    """(Operator) Give this agent no new task until resumed."""
    conn = connect(ctx)
    agent = call(lambda: conn.ops.cli_pause_agent(name)).pause_agent
    emit_json(agent) if conn.as_json else out.print(f"Agent {agent.name} paused.")


@agent_app.command("resume")
def resume(ctx: typer.Context, name: str = typer.Argument(..., help="The agent.")) -> None:
    """(Operator) Let this agent take tasks again."""
    conn = connect(ctx)
    agent = call(lambda: conn.ops.cli_resume_agent(name)).resume_agent
    emit_json(agent) if conn.as_json else out.print(f"Agent {agent.name} resumed.")


@agent_app.command("cancel")
def cancel_work(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The agent."),
    reason: str | None = typer.Option(None, help="Why; the agent is told."),
) -> None:
    """(Operator) Stop this agent's current work: its task goes back to ready."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_cancel_agent_work(name, reason=reason)).cancel_agent_work
    if conn.as_json:
        emit_json(task.model_dump(mode="json", by_alias=True) if task else {})
    else:
        out.print(f"Task #{task.id} released from {name}." if task else f"{name} held no task.")
