"""What every client command shares: the server and token options, the typed client, errors."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import typer
from pydantic import BaseModel

from mission_control.cli.console import err
from mission_control.client.generated.operations import Operations
from mission_control.client.transport import OneShotRunner, ServerRefused, ServerUnreachable
from mission_control.settings import SettingsError, check_http_url, load_settings

T = TypeVar("T")

REFUSED_EXIT = 1
USAGE_EXIT = 2
NO_TOKEN = (
    "No token: pass --token TOKEN or set MC_TOKEN (`mission-control serve` prints the operator's "
    "token once; `mission-control agent add` prints an agent's)."
)


@dataclass
class Options:
    """The global options as given; unset ones fall back to MC_SERVER_URL / MC_TOKEN."""

    server: str | None = None
    token: str | None = None
    as_json: bool = False


@dataclass
class Connection:
    server: str
    token: str
    as_json: bool

    @property
    def ops(self) -> Operations:
        return Operations(OneShotRunner(self.server, self.token))


def connect(
    ctx: typer.Context, *, server: str | None = None, token: str | None = None
) -> Connection:
    """The connection set by the global options (or MC_SERVER_URL / MC_TOKEN)."""
    options = ctx.find_root().obj
    options = options if isinstance(options, Options) else Options()
    try:
        settings = load_settings()
    except SettingsError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(USAGE_EXIT) from None
    url = server or options.server or settings.server_url or settings.base_url
    try:
        url = check_http_url(url)
    except ValueError as error:
        err.print(f"[red]--server {url!r}: {error}.[/red]", highlight=False)
        raise typer.Exit(USAGE_EXIT) from None
    secret = token or options.token or settings.token
    if not secret:
        err.print(f"[red]{NO_TOKEN}[/red]", highlight=False)
        raise typer.Exit(USAGE_EXIT)
    return Connection(url, secret, options.as_json)


def call(operation: Callable[[], Awaitable[T]], *, spinner: bool = True) -> T:
    """Run one operation; turn refusals into exit 1 and connection trouble into exit 2.

    `spinner=False` for work that shows its own progress bar (`steps`). The spinner is for
    terminals only (it would print nothing in a pipe, after loading rich to do so).
    """
    try:
        if not (spinner and sys.stderr.isatty()):
            return asyncio.run(operation())  # type: ignore[arg-type]
        with err.status("Talking to the server…"):
            return asyncio.run(operation())  # type: ignore[arg-type]
    except ServerRefused as error:
        err.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(REFUSED_EXIT) from None
    except ServerUnreachable as error:
        err.print(f"[red]Cannot reach the server:[/red] {error}")
        raise typer.Exit(USAGE_EXIT) from None


def emit_json(value: BaseModel | list[Any] | dict[str, Any]) -> None:
    """Machine-readable output for scripts: plain JSON on stdout, camelCase like the API."""
    print(json.dumps(_plain(value), indent=2, default=str, ensure_ascii=False))


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def steps(items: Sequence[T], label: str) -> Iterator[T]:
    """Iterate `items` under a progress bar on stderr (terminals only; silent in pipes)."""
    from rich.progress import (  # only here: it is not worth every command's start-up
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        yield from progress.track(items, total=len(items))
