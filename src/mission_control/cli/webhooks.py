"""`mission-control webhook ...`: the operator's outbound webhooks over the typed client."""

from __future__ import annotations

import typer

from mission_control.cli.client import call, connect, emit_json
from mission_control.cli.console import out, table_of
from mission_control.client.generated.operations import EventKind, TaskStatus

webhook_app = typer.Typer(
    help="Send board Events to URLs (Standard Webhooks signatures).", no_args_is_help=True
)

WEBHOOK_ID = typer.Argument(..., help="The webhook's id.")


@webhook_app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="Where to POST the Events."),
    kind: list[EventKind] | None = typer.Option(
        None, "--kind", "-k", case_sensitive=False, help="Only this Event kind (repeatable)."
    ),
    status: list[TaskStatus] | None = typer.Option(
        None, "--status", "-s", case_sensitive=False, help="Only moves from/to it (repeatable)."
    ),
    agent: str | None = typer.Option(None, help="Only Events about this agent."),
) -> None:
    """(Operator) Register a URL; prints its signing secret (shown only this once)."""
    conn = connect(ctx)
    result = call(
        lambda: conn.ops.cli_register_webhook(url, kinds=kind, statuses=status, agent=agent)
    ).register_webhook
    if conn.as_json:
        emit_json(result)
        return
    out.print(f"Webhook #{result.webhook.id} → {result.webhook.url}")
    out.print(f"Signing secret (shown once, keep it): [bold]{result.secret}[/bold]")


@webhook_app.command("list")
def list_webhooks(ctx: typer.Context) -> None:
    """(Operator) Webhooks with their filter, last status, failures and queue."""
    conn = connect(ctx)
    hooks = call(conn.ops.cli_webhooks).webhooks
    if conn.as_json:
        emit_json(hooks)
        return
    table = table_of("id", "url", "filter", "last status", "failures", "pending", "failed", "error")
    for hook in hooks:
        parts = [*(k.value for k in hook.kinds), *(s.value for s in hook.statuses)]
        parts += [f"agent={hook.agent}"] if hook.agent else []
        table.add_row(
            str(hook.id),
            hook.url,
            ",".join(parts) or "all",
            "" if hook.last_status is None else str(hook.last_status),
            str(hook.failures),
            str(hook.pending),
            str(hook.failed),
            hook.last_error or "",
        )
    out.print(table)


@webhook_app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook_id: int = WEBHOOK_ID,
    failed: bool = typer.Option(False, help="Only the deliveries given up."),
    limit: int = typer.Option(50, min=1, max=500, help="How many, newest first."),
) -> None:
    """(Operator) A webhook's deliveries: attempts, last status, error, done or failed."""
    conn = connect(ctx)
    rows = call(
        lambda: conn.ops.cli_webhook_deliveries(webhook_id, failed_only=failed, first=limit)
    ).webhook_deliveries
    if conn.as_json:
        emit_json(rows)
        return
    table = table_of("id", "event", "task", "attempts", "status", "state", "error")
    for row in rows:
        state = "failed" if row.failed else ("delivered" if row.done_at else "pending")
        table.add_row(
            str(row.id),
            str(row.event_id),
            "" if row.task_id is None else str(row.task_id),
            str(row.attempts),
            "" if row.last_status is None else str(row.last_status),
            state,
            row.last_error or "",
        )
    out.print(table)


@webhook_app.command("replay")
def replay(
    ctx: typer.Context,
    webhook_id: int = WEBHOOK_ID,
    delivery: list[int] | None = typer.Option(
        None, "--delivery", "-d", help="This delivery (repeatable); default: every failed one."
    ),
) -> None:
    """(Operator) Send deliveries again from their first attempt."""
    conn = connect(ctx)
    count = call(
        lambda: conn.ops.cli_replay_webhook_deliveries(webhook_id, delivery_ids=delivery)
    ).replay_webhook_deliveries
    if conn.as_json:
        emit_json({"replayed": count})
        return
    out.print(f"{count} deliver{'y' if count == 1 else 'ies'} queued again.")


@webhook_app.command("remove")
def remove(ctx: typer.Context, webhook_id: int = WEBHOOK_ID) -> None:
    """(Operator) Stop sending to this webhook."""
    conn = connect(ctx)
    call(lambda: conn.ops.cli_remove_webhook(webhook_id))
    emit_json({"removed": webhook_id}) if conn.as_json else out.print(
        f"Webhook #{webhook_id} removed."
    )
