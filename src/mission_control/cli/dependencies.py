"""`mission-control task deps ...`: what a task waits for, as on the task page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mission_control.cli.client import Connection, call, connect, emit_json, steps
from mission_control.cli.console import out, table_of

if TYPE_CHECKING:
    from mission_control.client.generated.operations import CliTaskBriefTask

deps_app = typer.Typer(
    help="What a task waits for: it is not handed out until these are done.",
    no_args_is_help=True,
)

TASK_ID = typer.Argument(..., help="The task that waits.")
DEPENDS_ON = typer.Argument(..., help="The task it waits for.")


def _show(conn: Connection, task_id: int, depends_on: list[int], verb: str) -> None:
    if conn.as_json:
        emit_json({"taskId": task_id, "dependsOn": depends_on})
        return
    waits = ", ".join(f"#{other}" for other in depends_on) or "nothing"
    out.print(f"Task #{task_id} {verb}; it waits for {waits}.")


@deps_app.command("add")
def add(ctx: typer.Context, task_id: int = TASK_ID, depends_on: int = DEPENDS_ON) -> None:
    """(Operator) Make TASK_ID wait for DEPENDS_ON; refused when it would close a cycle."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_add_dependency(task_id, depends_on)).add_dependency
    _show(conn, task.id, task.depends_on, f"now waits for #{depends_on}")


@deps_app.command("remove")
def remove(ctx: typer.Context, task_id: int = TASK_ID, depends_on: int = DEPENDS_ON) -> None:
    """(Operator) TASK_ID no longer waits for DEPENDS_ON."""
    conn = connect(ctx)
    task = call(lambda: conn.ops.cli_remove_dependency(task_id, depends_on)).remove_dependency
    _show(conn, task.id, task.depends_on, f"no longer waits for #{depends_on}")


@deps_app.command("list")
def list_dependencies(ctx: typer.Context, task_id: int = TASK_ID) -> None:
    """The tasks TASK_ID waits for, with their status."""
    conn = connect(ctx)

    async def load() -> list[CliTaskBriefTask]:
        task = (await conn.ops.cli_task_brief(task_id)).task
        waits = steps(task.depends_on, f"Loading what #{task_id} waits for")
        return [(await conn.ops.cli_task_brief(other)).task for other in waits]

    blockers = call(load, spinner=False)
    if conn.as_json:
        emit_json({"taskId": task_id, "dependsOn": blockers})
        return
    if not blockers:
        out.print(f"Task #{task_id} waits for nothing.")
        return
    table = table_of("id", "title", "status")
    for other in blockers:
        table.add_row(str(other.id), other.title, other.status.value)
    out.print(table)
    open_ones = sum(other.status.value != "DONE" for other in blockers)
    out.print(f"Task #{task_id} waits for {len(blockers)} task(s); {open_ones} not done yet.")
