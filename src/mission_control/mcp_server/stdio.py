"""`mission-control mcp`: the MCP server over stdio, a GraphQL client of a running server.

For agents that start their tools as processes (Claude Code, Codex, OpenClaw, editors): the
process speaks MCP on stdin/stdout and sends the typed client's operations to `--server` with
the agent's token, so every rule and refusal is the server's own.
"""

from __future__ import annotations

from mission_control.client.generated.operations import Operations
from mission_control.client.transport import GqlTransport
from mission_control.mcp_server.tools import build_server


async def serve_stdio(server_url: str, token: str, *, operator_tools: bool = False) -> None:
    """Answer MCP on stdin/stdout until the client closes them."""
    operations = Operations(GqlTransport(server_url, token))
    mcp = build_server(lambda: operations, operator_tools=operator_tools)
    await mcp.run_stdio_async()
