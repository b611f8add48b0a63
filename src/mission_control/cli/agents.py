"""`mission-control agent ...`: register agents, list and pause them, and run one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mission_control.cli.client import call, connect, emit_json, steps
from mission_control.cli.console import err, out, table_of
from mission_control.cli.usage import budget
from mission_control.client.transport import ServerRefused

if TYPE_CHECKING:
    from mission_control.client.runner import Runner

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


@agent_app.command("import")
def import_agents(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="A JSON file, or - for stdin."),
) -> None:
    """(Operator) Register many agents in one go and print each one's token once.

    The JSON is a list of {"name": ..., "skills": [...], "wipLimit": 1}; "id" works for
    "name", and {"agents": {"list": [...]}} (OpenClaw's agent list) is read as the list.
    An agent that is already registered is reported and the others still go in.
    """
    conn = connect(ctx)
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as error:
        err.print(f"[red]Cannot read {source}: {error.strerror or error}.[/red]")
        raise typer.Exit(2) from None
    try:
        wanted = roster_entries(json.loads(text))
    except (ValueError, TypeError, KeyError) as error:
        err.print(f"[red]Not an agent list ({error}).[/red]")
        raise typer.Exit(2) from None

    async def register_all() -> list[dict[str, object]]:
        results: list[dict[str, object]] = []
        for name, skills, wip in steps(wanted, "Registering agents"):
            try:
                answer = await conn.ops.cli_register_agent(name, skills=skills, wip_limit=wip)
                results.append(
                    {"name": name, "skills": skills, "token": answer.register_agent.token}
                )
            except ServerRefused as error:
                results.append({"name": name, "skills": skills, "refused": str(error)})
        return results

    results = call(register_all, spinner=False)
    if conn.as_json:
        emit_json(results)
    else:
        table = table_of("agent", "skills", "token (shown once) or refusal")
        for row in results:
            skills = row["skills"]
            shown = ",".join(skills) if isinstance(skills, list) else ""
            table.add_row(str(row["name"]), shown, str(row.get("token") or row.get("refused")))
        out.print(table)
    if any("refused" in row for row in results):
        raise typer.Exit(1)


def roster_entries(data: Any) -> list[tuple[str, list[str], int]]:
    """(name, skills, WIP limit) from a list of agents, or OpenClaw's {"agents": {"list"}}."""
    if isinstance(data, dict):
        data = data["agents"]
        data = data["list"] if isinstance(data, dict) else data
    if not isinstance(data, list):
        raise TypeError("expected a list of agents")
    entries = []
    for item in data:
        name = str(item.get("name") or item["id"])
        skills = [str(skill) for skill in item.get("skills") or []]
        entries.append((name, skills, int(item.get("wipLimit") or item.get("wip_limit") or 1)))
    return entries


@agent_app.command("run")
def run(
    ctx: typer.Context,
    name: str = typer.Option(..., help="The agent's name (as registered)."),
    command: str = typer.Option(..., help="Shell command run on each task."),
    interval: float = typer.Option(
        30.0,
        min=0.1,
        help="Seconds between heartbeats (default 30). New work, assignments, unblocks, "
        "approvals and rejections wake the runner at once over its Event subscription; the "
        "heartbeat renews its lease and bounds how long a missed Event can delay it.",
    ),
    grace: float = typer.Option(
        5.0, min=0.0, help="Seconds between SIGTERM and SIGKILL when stopping the command."
    ),
    server: str | None = typer.Option(None, help="Server URL (MC_SERVER_URL)."),
    token: str | None = typer.Option(None, help="The agent's token (MC_TOKEN)."),
    token_budget: int | None = typer.Option(None, help="Tokens left, sent with each heartbeat."),
    worktree: Path | None = typer.Option(
        None,
        help="A git repository: each task gets a worktree and branch mc/<id>-<slug> of it.",
    ),
    keep_worktree: bool = typer.Option(False, help="Keep each task's worktree after it."),
    output_every: float = typer.Option(
        1.0,
        min=0.0,
        help="Seconds between the chunks of COMMAND's output sent to the server (the agents "
        "page shows its last 200 lines live); 0 sends none.",
    ),
) -> None:
    """Run an agent: take at most one task at a time, run COMMAND on it, hand it in.

    The task reaches COMMAND as MC_TASK_* variables (MC_TASK_FEEDBACK: the operator's feedback
    on a rejected task; MC_TASK_COMMENTS: its comments, `author: body` a line) and as JSON on
    stdin. Stdout lines `PROGRESS 40` or
    {"progress": 40, "note": "..."} are reported. Exit 0 submits the task for review with the
    output's tail; any other exit, or running past the task's time limit, is a failed attempt
    the server retries after a backoff or, at the last attempt, blocks with the error. A
    rejected task comes back to this runner and is run again with the feedback. Ctrl-C or
    SIGTERM stops COMMAND (TERM, then KILL after --grace), releases the task to ready and
    exits 130/143; a second Ctrl-C exits at once. With --worktree the command runs in the
    task's own worktree, and the result starts with its branch, commit range and diff stat.
    """
    from mission_control.client.runner import Runner, RunnerConfig, configure_logging

    conn = connect(ctx, server=server, token=token)
    configure_logging(name)
    config = RunnerConfig(
        name,
        conn.token,
        conn.server,
        command,
        interval=interval,
        token_budget=token_budget,
        grace=grace,
        worktree=worktree.resolve() if worktree else None,
        keep_worktree=keep_worktree,
        output_interval=output_every,
    )
    runner = Runner(config)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            code = asyncio.run(_run_until_signalled(runner))
    except ServerRefused as error:
        err.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(1) from None
    released = "".join(f"; task #{task_id} released to ready" for task_id in runner.released)
    why = f" by {runner.stopped_because}" if runner.stopped_because else ""
    err.print(f"Runner {name} stopped{why}{released}.", highlight=False)
    raise typer.Exit(code)


SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


async def _run_until_signalled(runner: Runner) -> int:
    """Run until SIGINT/SIGTERM; the first winds down cleanly, a second exits at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) > 1:  # impatient: kill the command and leave without cleaning up
            runner.kill_command()
            sys.stderr.write(f"Runner {runner.config.name} killed by a second {sig.name}.\n")
            os._exit(SIGNAL_EXIT[sig])
        runner.request_stop(sig.name)
        stop.set()

    for sig in SIGNAL_EXIT:
        loop.add_signal_handler(sig, on_signal, sig)
    await runner.run(stop)
    return SIGNAL_EXIT[received[0]] if received else 0


@agent_app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """List agents: status, load, current task and progress."""
    conn = connect(ctx)
    agents = call(conn.ops.cli_agents).agents
    if conn.as_json:
        emit_json(agents)
        return
    table = table_of(
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


agent_app.command("budget")(budget)
