"""`mission-control task ...`: create, list, show, edit and move tasks over the typed client."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import BaseModel

from mission_control.cli.client import USAGE_EXIT, Connection, call, connect, emit_json
from mission_control.cli.comments import comment, comments
from mission_control.cli.console import err, out, table_of
from mission_control.cli.dependencies import deps_app
from mission_control.client.generated.operations import TaskStatus

task_app = typer.Typer(help="Create, list, show and move tasks.", no_args_is_help=True)

TASK_ID = typer.Argument(..., help="The task's id.")


def show_moved(conn: Connection, task: BaseModel, verb: str) -> None:
    """One line for people ("Task #3 is now REVIEW"), or the task as JSON for scripts."""
    if conn.as_json:
        emit_json(task)
        return
    data: dict[str, Any] = task.model_dump()
    holder = f" ({data['assignee']})" if data.get("assignee") else ""
    out.print(f"Task #{data['id']} {verb}: [bold]{data['status']}[/bold]{holder}")


@task_app.command("add")
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What needs doing."),
    description: str = typer.Option("", "--description", "-d", help="Details."),
    priority: int | None = typer.Option(None, "--priority", "-p", help="1 (urgent) to 5."),
    tags: str = typer.Option(
        "", "--tags", "-t", help="Comma-separated tags (skills), e.g. python."
    ),
) -> None:
    """Create a task."""
    conn = connect(ctx)
    wanted = [tag.strip() for tag in tags.split(",") if tag.strip()]
    payload = {"title": title, "description": description, "priority": priority, "tags": wanted}
    task = call(lambda: conn.ops.cli_create_task(payload)).create_task
    show_moved(conn, task, "created")


@task_app.command("list")
def list_tasks(
    ctx: typer.Context,
    status: list[TaskStatus] | None = typer.Option(
        None, "--status", "-s", case_sensitive=False, help="Only these (repeatable)."
    ),
    assignee: str | None = typer.Option(None, help="Only tasks of this agent."),
    tag: str | None = typer.Option(None, help="Only tasks with this tag."),
    text: str | None = typer.Option(None, help="Only tasks whose title/description has this."),
    limit: int = typer.Option(50, min=1, max=500, help="How many, newest first."),
) -> None:
    """List tasks, newest first."""
    conn = connect(ctx)
    where = {"status": status, "assignee": assignee, "tag": tag, "text": text}
    where = {key: value for key, value in where.items() if value}
    page = call(lambda: conn.ops.cli_list_tasks(where=where or None, first=limit)).tasks
    if conn.as_json:
        emit_json(page.nodes)
        return
    table = table_of("id", "title", "status", "priority", "tags", "assignee", "progress")
    for task in page.nodes:
        table.add_row(
            str(task.id),
            task.title,
            task.status.value,
            "" if task.priority is None else str(task.priority),
            ",".join(task.tags),
            task.assignee or "",
            f"{task.progress}%",
        )
    out.print(table)
    out.print(f"{len(page.nodes)} of {page.total_count} task(s)")


@task_app.command("show")
def show(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """Show one task and its history."""
    conn = connect(ctx)
    result = call(lambda: conn.ops.cli_show_task(task_id))
    if conn.as_json:
        emit_json(result)
        return
    task = result.task
    out.print(f"[bold]#{task.id} {task.title}[/bold]  {task.status.value}  v{task.version}")
    for label, value in (
        ("description", task.description),
        ("priority", task.priority),
        ("tags", ",".join(task.tags)),
        ("assignee", task.assignee),
        ("progress", f"{task.progress}%"),
        ("blocked because", task.block_reason),
        ("result", task.result),
        ("feedback", task.feedback),
        ("lease until", task.lease_expires_at),
    ):
        if value not in (None, ""):
            out.print(f"  {label}: {value}")
    history = table_of("event", "kind", "actor", "at", "move")
    for event in result.task_history:
        move = f"{event.from_status or ''} → {event.to_status}" if event.to_status else ""
        history.add_row(
            str(event.id), event.kind.value, event.actor, f"{event.created_at:%H:%M:%S}", move
        )
    out.print(history)


def _tags(text: str | None) -> list[str] | None:
    return None if text is None else [tag.strip() for tag in text.split(",") if tag.strip()]


@task_app.command("edit")
def edit(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    title: str | None = typer.Option(None, "--title", help="The new title."),
    description: str | None = typer.Option(None, "--description", "-d", help="New details."),
    priority: int | None = typer.Option(None, "--priority", "-p", help="1 (urgent) to 5."),
    tags: str | None = typer.Option(
        None, "--tags", "-t", help='Comma-separated tags, replacing the old ones ("" clears).'
    ),
    expected_version: int | None = typer.Option(
        None, "--expected-version", help="Refuse if someone changed the task since this version."
    ),
) -> None:
    """(Operator) Change a task's title, description, priority or tags; the rest stays."""
    conn = connect(ctx)
    changes = {"title": title, "description": description, "priority": priority}
    changes = {key: value for key, value in changes.items() if value is not None}
    wanted: dict[str, Any] = {**changes, **({"tags": _tags(tags)} if tags is not None else {})}
    if not wanted:
        err.print("[red]Nothing to change: give --title, --description, --priority or --tags.[/]")
        raise typer.Exit(USAGE_EXIT)
    task = call(
        lambda: conn.ops.cli_update_task(task_id, wanted, expected_version=expected_version)
    ).update_task
    if conn.as_json:
        emit_json(task)
        return
    out.print(f"Task #{task.id} edited (v{task.version}): [bold]{task.title}[/bold]")


@task_app.command("move")
def move(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    status: TaskStatus = typer.Argument(..., case_sensitive=False, help="Where to move it."),
    reason: str | None = typer.Option(None, help="Why (needed to block it)."),
) -> None:
    """Move a task to a status by whichever move the workflow allows (as a drop on the board)."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_move_task(task_id, status, reason=reason)).transition_task
    show_moved(conn, task, "moved")


@task_app.command("release")
def release(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    reason: str | None = typer.Option(None, help="Why."),
) -> None:
    """(Holder or operator) Give an in-progress task back to ready, unassigned."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_release_task(task_id, reason=reason)).release_task
    show_moved(conn, task, "released")


@task_app.command("reopen")
def reopen(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    reason: str | None = typer.Option(None, help="Why."),
) -> None:
    """(Operator) Take a done or cancelled task up again: to ready if complete, else intake."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_reopen_task(task_id, reason=reason)).reopen_task
    show_moved(conn, task, "reopened")


@task_app.command("next")
def claim_next(ctx: typer.Context) -> None:
    """(Agent token) Claim the next task that fits you."""
    conn = connect(ctx)
    claim = call(conn.ops.runner_claim_next).claim_next_task
    if conn.as_json:
        emit_json(claim)
        return
    if claim.task is None:
        out.print(f"{claim.outcome.value}: {claim.reason or 'nothing to claim'}")
        return
    out.print(f"{claim.outcome.value}: task #{claim.task.id} {claim.task.title}")


@task_app.command("claim")
def claim(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """(Agent token) Claim this ready task."""
    conn = connect(ctx)
    show_moved(conn, call(lambda: conn.ops.cli_claim_task(task_id)).claim_task, "claimed")


@task_app.command("progress")
def progress(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    value: int = typer.Argument(..., help="0 to 100."),
    note: str | None = typer.Option(None, help="What is happening."),
) -> None:
    """(Holder) Report how far the task is; renews the lease."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.runner_report_progress(task_id, value, note=note)).report_progress
    if conn.as_json:
        emit_json(task)
        return
    out.print(f"Task #{task.id} at {task.progress}%")


@task_app.command("submit")
def submit(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    result: str | None = typer.Option(None, help="What was done."),
) -> None:
    """(Holder) Hand the task in for review."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.runner_submit_for_review(task_id, result=result)).submit_for_review
    show_moved(conn, task, "submitted")


@task_app.command("block")
def block(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    reason: str = typer.Option(..., help="Why it cannot go on."),
) -> None:
    """Block a task, with a reason."""
    conn = connect(ctx)
    show_moved(
        conn, call(lambda: conn.ops.runner_block_task(task_id, reason)).block_task, "blocked"
    )


@task_app.command("unblock")
def unblock(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """Unblock a task."""
    conn = connect(ctx)
    show_moved(conn, call(lambda: conn.ops.cli_unblock_task(task_id)).unblock_task, "unblocked")


@task_app.command("approve")
def approve(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """(Operator) Accept a task in review: it is done."""
    conn = connect(ctx)
    show_moved(conn, call(lambda: conn.ops.cli_approve_task(task_id)).approve_task, "approved")


@task_app.command("reject")
def reject(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    feedback: str = typer.Option(..., help="What to change."),
) -> None:
    """(Operator) Send a task in review back, with feedback."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_reject_task(task_id, feedback)).reject_task
    show_moved(conn, task, "rejected")


@task_app.command("assign")
def assign(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    agent: str | None = typer.Argument(None, help="The agent; leave out to unassign."),
) -> None:
    """(Operator) Suggest an agent for a task (or clear the suggestion)."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_assign_task(task_id, agent=agent)).assign_task
    show_moved(conn, task, "assigned" if agent else "unassigned")


@task_app.command("cancel")
def cancel(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    reason: str | None = typer.Option(None, help="Why."),
) -> None:
    """(Operator) Cancel a task; an agent working on it is told to stop."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_cancel_task(task_id, reason=reason)).cancel_task
    show_moved(conn, task, "cancelled")


task_app.add_typer(deps_app, name="deps")
task_app.command("comment")(comment)
task_app.command("comments")(comments)
