"""`mission-control watch`: the live Event stream, coloured, resuming where it left off."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from mission_control.cli.client import Connection, connect
from mission_control.cli.console import err, out
from mission_control.client.generated.operations import EventKind
from mission_control.client.transport import ServerRefused

if TYPE_CHECKING:
    from mission_control.client.generated.operations import CliWatchEventsEvents

COLOURS = {
    EventKind.CREATED: "cyan",
    EventKind.CLAIMED: "blue",
    EventKind.PROGRESS: "dim",
    EventKind.SUBMITTED: "magenta",
    EventKind.APPROVED: "green",
    EventKind.REJECTED: "yellow",
    EventKind.BLOCKED: "red",
    EventKind.CANCELLED: "red",
    EventKind.LEASE_EXPIRED: "red",
    EventKind.APPROVAL_REQUESTED: "yellow",
    EventKind.APPROVAL_GRANTED: "green",
    EventKind.APPROVAL_DECLINED: "red",
    EventKind.COMMENTED: "cyan",
    EventKind.REOPENED: "yellow",
}


def line_for(event: CliWatchEventsEvents) -> str:
    """One readable, coloured line per Event."""
    colour = COLOURS.get(event.kind, "white")
    task = f" task #{event.task_id}" if event.task_id else ""
    move = f" {event.from_status or ''}→{event.to_status}" if event.to_status else ""
    agent = f" agent {event.agent_name}" if event.agent_name else ""
    detail = ""
    if isinstance(event.payload, dict):
        shown = {k: v for k, v in event.payload.items() if v not in (None, "", [], {})}
        detail = f" {json.dumps(shown, ensure_ascii=False)}" if shown else ""
    stamp = f"[dim]{event.id:>6} {event.created_at:%H:%M:%S}[/dim]"
    kind = f"[{colour}]{event.kind.value}[/{colour}]"
    return f"{stamp} {kind}{task}{move}{agent} [dim]by {event.actor}{detail}[/dim]"


@dataclass(frozen=True)
class Filter:
    """Which Events to print: the server filters by task, agent and kind; heartbeats, which
    arrive every few seconds per agent, are dropped here unless asked for."""

    task_id: int | None = None
    agent: str | None = None
    kinds: list[EventKind] | None = None
    heartbeats: bool = False

    def shows(self, event: CliWatchEventsEvents) -> bool:
        return self.heartbeats or bool(self.kinds) or event.kind is not EventKind.HEARTBEAT


async def follow(conn: Connection, since: int | None, only: Filter, count: int | None) -> None:
    """Print Events as they come; after a drop, reconnect with the last id seen (none lost)."""
    shown, delay = 0, 0.5
    while True:
        try:
            stream = conn.ops.cli_watch_events(
                since=since, task_id=only.task_id, agent=only.agent, kinds=only.kinds or None
            )
            async for message in stream:
                event, delay = message.events, 0.5
                since = event.id
                if not only.shows(event):
                    continue
                if conn.as_json:
                    data = event.model_dump(mode="json", by_alias=True)
                    print(json.dumps(data, ensure_ascii=False), flush=True)
                else:
                    out.print(line_for(event), highlight=False, soft_wrap=True)
                shown += 1
                if count is not None and shown >= count:
                    return
        except ServerRefused:
            raise
        except Exception as error:  # a drop: say so, wait, resume from the last id
            err.print(f"[yellow]stream lost ({error}); reconnecting in {delay:.0f}s[/yellow]")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30)


def watch(
    ctx: typer.Context,
    since: int | None = typer.Option(None, help="Replay Events after this id first."),
    task: int | None = typer.Option(None, help="Only this task's Events."),
    agent: str | None = typer.Option(None, help="Only this agent's Events."),
    kind: list[EventKind] | None = typer.Option(
        None, "--kind", "-k", case_sensitive=False, help="Only this Event kind (repeatable)."
    ),
    heartbeats: bool = typer.Option(
        False, "--heartbeats", help="Also show HEARTBEAT Events (hidden by default)."
    ),
    count: int | None = typer.Option(None, min=1, help="Stop after this many Events."),
) -> None:
    """Follow the live Event stream (coloured; --json for one JSON object a line)."""
    conn = connect(ctx)
    only = Filter(task, agent, kind or None, heartbeats)
    if not conn.as_json:
        err.print(f"Watching {conn.server} (Ctrl-C to stop)…")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(follow(conn, since, only, count))
    except ServerRefused as error:
        err.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(1) from None
