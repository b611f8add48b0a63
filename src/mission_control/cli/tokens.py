"""`mission-control token ...`: list, issue, revoke and rotate tokens (the operator only)."""

from __future__ import annotations

import typer

from mission_control.cli.client import call, connect, emit_json
from mission_control.cli.console import out, table_of
from mission_control.client.generated.operations import Role

token_app = typer.Typer(help="List, issue, revoke and rotate tokens.", no_args_is_help=True)


def _when(value: object) -> str:
    return "" if value is None else str(value)[:19].replace("T", " ")


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include revoked tokens."),
) -> None:
    """(Operator) Every token: name, role, agent, created, last used, expiry; never the secret."""
    conn = connect(ctx)
    tokens = call(lambda: conn.ops.cli_tokens(all_)).tokens
    if conn.as_json:
        emit_json(tokens)
        return
    table = table_of("id", "name", "role", "agent", "created", "last used", "expires", "revoked")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            token.role.value.lower(),
            token.agent or "",
            _when(token.created_at),
            _when(token.last_used_at),
            _when(token.expires_at),
            _when(token.revoked_at),
        )
    out.print(table)


@token_app.command("issue")
def issue(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Whose token: a person's name, e.g. klein."),
    role: str = typer.Option("operator", help="operator or viewer."),
    expires_in: int | None = typer.Option(None, help="Lifetime in seconds (default: none)."),
) -> None:
    """(Operator) A named token for a person; the audit log shows that name. Shown once."""
    conn = connect(ctx)
    chosen = Role(role.upper())
    issued = call(lambda: conn.ops.cli_issue_token(name, chosen, expires_in_seconds=expires_in))
    result = issued.issue_token
    if conn.as_json:
        emit_json(result)
        return
    out.print(f"Token #{result.info.id} for {result.info.name} ({role}).")
    out.print(f"Token (shown once, keep it): [bold]{result.token}[/bold]")


@token_app.command("revoke")
def revoke(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """(Operator) Refuse this token from now on; its connections and board sessions end."""
    conn = connect(ctx)
    revoked = call(lambda: conn.ops.cli_revoke_token(token_id)).revoke_token
    if conn.as_json:
        emit_json(revoked)
        return
    out.print(f"Token #{revoked.id} ({revoked.name}, {revoked.role.value.lower()}) revoked.")


@token_app.command("rotate")
def rotate(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """(Operator) Revoke this token and issue its replacement, shown once."""
    conn = connect(ctx)
    result = call(lambda: conn.ops.cli_rotate_token(token_id)).rotate_token
    if conn.as_json:
        emit_json(result)
        return
    out.print(f"Token #{token_id} revoked; its replacement is #{result.info.id}.")
    out.print(f"Token (shown once, keep it): [bold]{result.token}[/bold]")
