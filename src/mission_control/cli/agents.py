"""`mission-control agent ...`: register agents, list and pause them, and run one."""

from __future__ import annotations

import asyncio
import contextlib

import typer
from rich.table import Table

from mission_control.cli.client import call, connect, emit_json, err, out

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
    config = RunnerConfig(name, conn.token, conn.server, command, interval=interval)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Runner(config).run())
    err.print(f"Runner {name} stopped.")


def agent_table(rows: list[dict[str, object]]) -> Table:
    table = Table("name", "status", "skills", "load", "paused", "task", "progress")
    for row in rows:
        table.add_row(
            *(
                str(row.get(column) if row.get(column) is not None else "")
                for column in (
                    "name",
                    "status",
                    "skills",
                    "currentLoad",
                    "paused",
                    "task",
                    "progress",
                )
            )
        )
    return table
