"""`mission-control next --agent NAME`: one heartbeat's pickup, as OpenClaw's HEARTBEAT.md asks.

The seed's loop (`oc-tasks next --agent <id>`) made one command: say we are alive, and when
we hold nothing, claim the next task that fits (every operator control applies on the server).
It prints the line the heartbeat answers with: `HEARTBEAT_OK` when there is nothing to do,
`Started work on task #N: TITLE` after a claim, `Continue task #N: TITLE` for a task already
held. `--json` adds the task, the outcome and the reason for scripts.
"""

from __future__ import annotations

from typing import Any

import typer
from pydantic import BaseModel

from mission_control.cli.client import Connection, call, connect, emit_json
from mission_control.cli.console import err, out
from mission_control.client.generated.operations import ClaimOutcome

HEARTBEAT_OK = "HEARTBEAT_OK"


def next_task(
    ctx: typer.Context,
    agent: str = typer.Option(..., "--agent", help="This agent's name; must match the token."),
    note: str | None = typer.Option(None, help="Sent with the heartbeat (what you are doing)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (as the global --json)."),
) -> None:
    """(Agent token) Heartbeat, then claim the next task unless one is held; prints the
    heartbeat's answer: HEARTBEAT_OK, or the task to start or continue."""
    conn = connect(ctx)
    conn.as_json = conn.as_json or as_json
    beat = call(lambda: conn.ops.cli_heartbeat_next(note=note)).heartbeat
    if beat.name != agent.strip().lower():
        err.print(f"[red]This token belongs to agent {beat.name}, not {agent}.[/red]")
        raise typer.Exit(2)
    if beat.current_task is not None:
        task = beat.current_task
        _answer(conn, f"Continue task #{task.id}: {task.title}", "HOLDING", _json(task))
        return
    claim = call(conn.ops.runner_claim_next).claim_next_task
    if claim.outcome is ClaimOutcome.CLAIMED and claim.task is not None:
        line = f"Started work on task #{claim.task.id}: {claim.task.title}"
        _answer(conn, line, claim.outcome.name, _json(claim.task))
        return
    extra = {"reason": claim.reason, "approvalId": claim.approval_id}
    waiting_for = _json(claim.task) if claim.task is not None else None
    _answer(conn, HEARTBEAT_OK, claim.outcome.name, waiting_for, **extra)


def _answer(
    conn: Connection, line: str, outcome: str, task: dict[str, Any] | None, **extra: Any
) -> None:
    if conn.as_json:
        emit_json({"heartbeat": line, "outcome": outcome, "task": task, **extra})
        return
    out.print(line, markup=False, highlight=False)
    if extra.get("reason"):
        err.print(extra["reason"], markup=False)


def _json(task: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = task.model_dump(mode="json", by_alias=True)
    return data
