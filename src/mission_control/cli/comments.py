"""`mission-control task comment ID TEXT` and `task comments ID`: a task's thread."""

from __future__ import annotations

import typer

from mission_control.cli.client import call, connect, emit_json
from mission_control.cli.console import out, table_of

TASK_ID = typer.Argument(..., help="The task's id.")


def comment(
    ctx: typer.Context,
    task_id: int = TASK_ID,
    body: str = typer.Argument(..., help="What to say (markdown)."),
) -> None:
    """Comment on a task (the operator on any task, an agent on its own); Event COMMENTED."""
    conn = connect(ctx)
    added = call(lambda: conn.ops.cli_add_comment(task_id, body)).add_comment
    if conn.as_json:
        emit_json(added)
        return
    out.print(f"Comment #{added.id} on task #{added.task_id} by {added.author}.", highlight=False)


def comments(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """A task's comments, oldest first."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_task_comments(task_id)).task
    if conn.as_json:
        emit_json(task.comments)
        return
    if not task.comments:
        out.print(f"Task #{task.id} has no comments.")
        return
    table = table_of("id", "author", "at", "comment")
    for row in task.comments:
        table.add_row(str(row.id), row.author, f"{row.created_at:%Y-%m-%d %H:%M}", row.body)
    out.print(table)
