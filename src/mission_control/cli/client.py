"""What every client command shares: the server and token options, the typed client, errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from mission_control.client.generated.operations import Operations
from mission_control.client.transport import GqlTransport, ServerRefused, ServerUnreachable
from mission_control.settings import SettingsError, load_settings

T = TypeVar("T")

out = Console()
err = Console(stderr=True)

REFUSED_EXIT = 1
USAGE_EXIT = 2


@dataclass
class Options:
    """The global options as given; unset ones fall back to MC_SERVER_URL / MC_TOKEN."""

    server: str | None = None
    token: str | None = None
    as_json: bool = False


@dataclass
class Connection:
    server: str
    token: str | None
    as_json: bool

    @property
    def ops(self) -> Operations:
        return Operations(GqlTransport(self.server, self.token))


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
    return Connection(url, token or options.token or settings.token, options.as_json)


def call(operation: Callable[[], Awaitable[T]]) -> T:
    """Run one operation; turn refusals into exit 1 and connection trouble into exit 2."""
    try:
        with err.status("Talking to the server…"):  # a spinner on terminals, silent in pipes
            return asyncio.run(operation())  # type: ignore[arg-type]
    except ServerRefused as error:
        err.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(REFUSED_EXIT) from None
    except ServerUnreachable as error:
        err.print(f"[red]Cannot reach the server:[/red] {error}")
        raise typer.Exit(USAGE_EXIT) from None


def emit_json(value: BaseModel | list[Any] | dict[str, Any]) -> None:
    """Machine-readable output for scripts: plain JSON on stdout, camelCase like the API."""
    if isinstance(value, BaseModel):
        data: Any = value.model_dump(mode="json", by_alias=True)
    elif isinstance(value, list):
        data = [
            v.model_dump(mode="json", by_alias=True) if isinstance(v, BaseModel) else v
            for v in value
        ]
    else:
        data = value
    print(json.dumps(data, indent=2, default=str))
