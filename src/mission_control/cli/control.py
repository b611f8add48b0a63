"""Operator control from the command line: approvals, and global pause/resume of autonomy."""

from __future__ import annotations

import typer

from mission_control.cli.client import Connection, call, connect, emit_json
from mission_control.cli.console import out, table_of
from mission_control.client.generated.operations import ApprovalStatus, AutonomyMode

approvals_app = typer.Typer(
    help="Pickups waiting for the operator (manual mode): list, approve, decline.",
    invoke_without_command=True,
)


@approvals_app.callback()
def approvals(
    ctx: typer.Context,
    status: ApprovalStatus = typer.Option(
        ApprovalStatus.PENDING, case_sensitive=False, help="Which approvals to list."
    ),
) -> None:
    """List approvals (pending by default); `approve ID` / `decline ID` decide one."""
    if ctx.invoked_subcommand is not None:
        return
    conn = connect(ctx)
    found = call(lambda: conn.ops.cli_approvals(status=status)).approvals
    if conn.as_json:
        emit_json(found)
        return
    table = table_of("id", "task", "agent", "status", "requested", "expires", "decided by")
    for approval in found:
        table.add_row(
            str(approval.id),
            f"#{approval.task_id} {approval.task.title}",
            approval.agent,
            approval.status.value,
            f"{approval.requested_at:%H:%M:%S}",
            f"{approval.expires_at:%H:%M:%S}",
            approval.decided_by or "",
        )
    out.print(table)


def _decide(ctx: typer.Context, approval_id: int, approve: bool, reason: str | None) -> None:
    conn = connect(ctx)
    decided = call(
        lambda: conn.ops.cli_decide_approval(approval_id, approve, reason=reason)
    ).decide_approval
    if conn.as_json:
        emit_json(decided)
        return
    out.print(
        f"Approval #{decided.id} (task #{decided.task_id}, {decided.agent}): {decided.status}"
    )


@approvals_app.command("approve")
def approve(
    ctx: typer.Context, approval_id: int = typer.Argument(..., help="The approval's id.")
) -> None:
    """Let the agent take the task."""
    _decide(ctx, approval_id, True, None)


@approvals_app.command("decline")
def decline(
    ctx: typer.Context,
    approval_id: int = typer.Argument(..., help="The approval's id."),
    reason: str | None = typer.Option(None, help="Why."),
) -> None:
    """Refuse: the task goes back to the pool."""
    _decide(ctx, approval_id, False, reason)


def _show(conn: Connection, paused: bool, mode: AutonomyMode) -> None:
    if conn.as_json:
        emit_json({"paused": paused, "mode": mode.value})
    else:
        out.print(f"Autonomy: {'PAUSED' if paused else 'running'}, mode {mode.value}")


def pause(
    ctx: typer.Context,
    manual: bool = typer.Option(False, help="Instead of pausing, make every pickup wait."),
) -> None:
    """(Operator) Pause all agents: no claim is granted until `resume`."""
    conn = connect(ctx)
    paused, mode = (None, AutonomyMode.MANUAL) if manual else (True, None)
    autonomy = call(lambda: conn.ops.cli_set_autonomy(paused=paused, mode=mode)).set_autonomy
    _show(conn, autonomy.paused, autonomy.mode)


def resume(
    ctx: typer.Context,
    auto: bool = typer.Option(False, help="Also switch manual mode back to auto."),
) -> None:
    """(Operator) Resume autonomy after `pause`."""
    conn = connect(ctx)
    mode = AutonomyMode.AUTO if auto else None
    autonomy = call(lambda: conn.ops.cli_set_autonomy(paused=False, mode=mode)).set_autonomy
    _show(conn, autonomy.paused, autonomy.mode)
