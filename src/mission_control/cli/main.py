"""Top-level commands and the sub-command groups."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import importlib
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import typer
from typer import _click  # the click that typer vendors
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from mission_control.cli.client import Options
from mission_control.cli.console import err as console
from mission_control.settings import Settings, SettingsError, load_settings

# The sub-commands that live in their own modules, in the order --help lists them. Each module
# is imported when its command runs (--help imports them all), so a one-shot command such as
# `task list` loads its own code, not the agent runner's or the webhooks'.
ELSEWHERE = {
    "watch": "mission_control.cli.watch:watch",
    "usage": "mission_control.cli.usage:usage",
    "next": "mission_control.cli.pickup:next_task",
    "pause": "mission_control.cli.control:pause",
    "resume": "mission_control.cli.control:resume",
    "agent": "mission_control.cli.agents:agent_app",
    "task": "mission_control.cli.tasks:task_app",
    "token": "mission_control.cli.tokens:token_app",
    "webhook": "mission_control.cli.webhooks:webhook_app",
    "approvals": "mission_control.cli.control:approvals_app",
}


class _NotLoaded(TyperCommand):
    """Holds a sub-command's place (name, order, typo suggestions) until it is asked for."""


class LazyCommands(TyperGroup):
    """The root command: the sub-commands of ELSEWHERE are built when first asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name in ELSEWHERE:
            self.commands[name] = _NotLoaded(name)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, _NotLoaded):
            command = self.commands[cmd_name] = _load(cmd_name)
        return command


def _load(name: str) -> _click.Command:
    """Import the sub-command `name` and build it as `app.add_typer`/`app.command` would."""
    module, _, attribute = ELSEWHERE[name].partition(":")
    found = getattr(importlib.import_module(module), attribute)
    short, markup = app.pretty_exceptions_short, app.rich_markup_mode
    if isinstance(found, typer.Typer):
        return get_group_from_info(
            TyperInfo(found, name=name),
            pretty_exceptions_short=short,
            suggest_commands=app.suggest_commands,
            rich_markup_mode=markup,
        )
    command = CommandInfo(name=name, callback=found)
    return get_command_from_info(command, pretty_exceptions_short=short, rich_markup_mode=markup)


app = typer.Typer(
    name="mission-control",
    help="Mission Control: a Kanban backend for autonomous agents and their operator.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyCommands,
)


@app.callback()
def client_options(
    ctx: typer.Context,
    server: str | None = typer.Option(None, help="Server URL (MC_SERVER_URL)."),
    token: str | None = typer.Option(None, help="Your token (MC_TOKEN)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON for scripts (also accepted after the sub-command)."
    ),
) -> None:
    """Mission Control: a Kanban backend for autonomous agents and their operator."""
    ctx.obj = Options(server=server, token=token, as_json=as_json)


def database_or_exit(settings: Settings) -> None:
    """Open the database once; when it cannot be, say why in one line and exit 2."""
    from mission_control.database_probe import DatabaseUnavailable, probe_database

    try:
        asyncio.run(probe_database(settings))
    except DatabaseUnavailable as error:
        console.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def settings_or_exit(**overrides: object) -> Settings:
    """Load the settings, or print what is wrong with them and exit 2."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None


LISTEN_PROBLEMS = {
    errno.EADDRINUSE: "the port is in use (another server?); choose one with --port or MC_PORT",
    errno.EACCES: "permission denied (a port below 1024 needs privileges); use --port or MC_PORT",
    errno.EADDRNOTAVAIL: "this machine has no such address; set --host or MC_HOST",
}


def socket_or_exit(host: str, port: int) -> socket.socket:
    """Bind the server's address before anything else starts; when it cannot be, say why in
    one line and exit 2 (uvicorn would log a traceback-like error and exit 3)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listening = socket.socket(family, kind, proto)
    except OSError as error:  # socket.gaierror: a host name that does not resolve
        console.print(
            f"[red]Cannot listen on {host}:{port}: unknown host ({error}); "
            "set --host or MC_HOST.[/red]",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
    except OSError as error:
        listening.close()
        why = LISTEN_PROBLEMS.get(error.errno or 0, error.strerror or str(error))
        console.print(
            f"[red]Cannot listen on {host}:{port}: {why}.[/red]", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None
    return listening


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (MC_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (MC_PORT)."),
) -> None:
    """Apply pending migrations and run the server until Ctrl-C."""
    import uvicorn

    from mission_control.app import build_app
    from mission_control.collector import CollectorPacing
    from mission_control.services.sessions import LOGIN_CODE_MINUTES
    from mission_control.web.socket_writes import websocket_options

    settings = settings_or_exit(host=host, port=port)
    listening = socket_or_exit(settings.host, settings.port)
    try:
        database_or_exit(settings)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    application = build_app(settings)
    config = uvicorn.Config(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        **websocket_options(settings),
    )
    server = uvicorn.Server(config)
    from mission_control.logs import install as redact_access_log

    redact_access_log()

    pacing = CollectorPacing()

    async def run() -> None:
        started = asyncio.create_task(server.serve(sockets=[listening]))
        while not server.started and not started.done():
            if server.should_exit:  # Ctrl-C during start-up: uvicorn waits for nothing else
                started.cancel()
                break
            await asyncio.sleep(0.05)
        if server.started:
            # What start-up built (modules, the schema, the app) lives as long as the process:
            # frozen, a full collection no longer walks it. Each one stops the event loop, and
            # with 500 subscribers they took 165-240 ms (65-170 ms frozen), writes included.
            gc.collect()
            gc.freeze()
            # Later full collections run on a timer and walk only recent objects
            # (collector.py): thousands of subscriptions made each automatic one a pause.
            pacing.start()
            runtime = application.state.runtime
            console.print(f"Mission Control is up: [bold]{settings.base_url}/[/bold]")
            console.print(f"GraphQL: {settings.base_url}/graphql")
            if runtime.new_operator_token:
                console.print(
                    "Operator token (shown once, keep it): "
                    f"[bold]{runtime.new_operator_token}[/bold]"
                )
            if runtime.login_code:
                console.print(
                    f"Log in (one-time link, {LOGIN_CODE_MINUTES} min): "
                    f"{settings.base_url}/login?code={runtime.login_code}"
                )
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await started
        finally:
            pacing.stop()

    # The loop uvicorn.run would choose (uvloop when installed): its transports and callbacks
    # are C, and every delivered Event is one transport write per subscriber.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=config.get_loop_factory()) as runner,
    ):
        runner.run(run())
    console.print("Mission Control stopped.")


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    from mission_control.database import migrate as apply

    settings = settings_or_exit()
    database_or_exit(settings)
    applied = asyncio.run(apply(settings))
    console.print(f"Applied {len(applied)} migration(s)." if applied else "Up to date.")


@app.command("export-schema")
def export_schema(
    output: Path = typer.Option(Path("codegen/schema.graphql"), help="Where to write the SDL."),
) -> None:
    """Write the GraphQL schema (SDL) that codegen and clients use."""
    from mission_control.schema.schema import build_schema

    sdl = build_schema(settings_or_exit()).as_str() + "\n"
    output.write_text(sdl)
    console.print(f"Wrote {output} ({len(sdl.splitlines())} lines).")


@app.command()
def codegen(
    source: Path = typer.Option(Path("codegen"), help="Folder with schema.graphql + operations/."),
    check: bool = typer.Option(False, help="Only check; exit 1 when the client is stale."),
) -> None:
    """Regenerate the typed client (src/mission_control/client/generated) from codegen/."""
    from mission_control.client.codegen import (
        GENERATED_DIR,
        CodegenError,
        generate_from,
        write,
        written,
    )

    try:
        files = generate_from(source)
    except CodegenError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    if check:
        if written() != files:
            console.print(f"[red]{GENERATED_DIR} is stale: run `mission-control codegen`[/red]")
            raise typer.Exit(1)
        console.print("Generated client is up to date.")
        return
    write(files)
    lines = sum(len(text.splitlines()) for text in files.values())
    console.print(f"Wrote {GENERATED_DIR} ({len(files)} files, {lines} lines).")


@app.command("mcp")
def mcp(
    ctx: typer.Context,
    operator_tools: bool = typer.Option(
        False, "--operator-tools", help="Also list, create, approve, reject, assign, pause."
    ),
) -> None:
    """Serve the board's MCP tools over stdio, as a client of --server with --token."""
    import anyio

    from mission_control.cli.client import connect
    from mission_control.mcp_server.stdio import serve_stdio

    conn = connect(ctx)
    anyio.run(lambda: serve_stdio(conn.server, conn.token, operator_tools=operator_tools))


def json_first(args: list[str]) -> list[str]:
    """`task list --json` means `--json task list`: the flag is the root's, wherever it is typed.

    Only before a `--` (after it every word is an argument).
    """
    end = args.index("--") if "--" in args else len(args)
    if "--json" not in args[:end]:
        return args
    return ["--json", *(arg for i, arg in enumerate(args) if i >= end or arg != "--json")]


def main() -> None:
    app(args=json_first(sys.argv[1:]))
