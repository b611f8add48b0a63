"""The `mcp` SDK's own client, connected to a test server over either transport."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess

TRANSPORTS = ("http", "stdio")


@contextlib.asynccontextmanager
async def mcp_session(
    server: ServerProcess, token: str, transport: str, *, operator_tools: bool = False
) -> AsyncIterator[Client]:
    """An MCP client session as `token`: over streamable HTTP at /mcp, or a stdio subprocess."""
    if transport == "http":
        path = "/mcp/operator" if operator_tools else "/mcp"
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            stream = streamable_http_client(f"{server.url}{path}", http_client=http)
            async with Client(stream) as client:
                yield client
        return
    args = ["--server", server.url, "--token", token, "mcp"]
    if operator_tools:
        args.append("--operator-tools")
    params = StdioServerParameters(command=MISSION_CONTROL, args=args, env=clean_environment())
    async with Client(params) as client:
        yield client


class ToolRefused(Exception):
    """The tool answered with an error: `code` and `sentence` split from 'CODE: sentence'."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.code, _, self.sentence = text.partition(": ")


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    """Call a tool; its JSON answer, or ToolRefused with the error's code and sentence."""
    result = await client.call_tool(tool, arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        raise ToolRefused(text)
    return json.loads(text)
