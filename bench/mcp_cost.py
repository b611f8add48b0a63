"""What one task costs an agent over MCP (streamable HTTP at /mcp, and stdio: `mission-control
mcp` as a subprocess) against GraphQL (the baseline), measured in the same run on the same
server: round trips, bytes and milliseconds per task.

    .venv/bin/python -m bench.mcp_cost [tasks]

Per task the agent does what the MCP prompt tells it: next task, get the task (with history),
report progress, submit for review. Over GraphQL it sends the very operations the MCP tools
run (codegen/operations/mcp.graphql) with one keep-alive HTTP session. Over MCP it uses the
`mcp` SDK's client in one session; the session's opening (initialize) is shown apart. Bytes
are HTTP bodies sent and received; "read" bytes are what the agent gets back to read (the tool
results, or GraphQL's JSON answers), which is what lands in an LLM's context. Over stdio the
round trips are the JSON-RPC requests on the pipe (each tool then sends one GraphQL request
over HTTP, as the baseline does); the pipe's bytes are not counted, the bytes read are; the
opening includes starting the `mission-control mcp` process.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx2
from mcp import StdioServerParameters
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from mission_control.client.generated import operations as ops
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess


@dataclass
class Cost:
    round_trips: int = 0
    sent: int = 0
    received: int = 0
    read: int = 0
    seconds: float = 0.0

    def per_task(self, tasks: int) -> str:
        wire = (self.sent + self.received) / tasks
        return (
            f"{self.round_trips / tasks:5.1f} round trips  "
            f"{f'{wire:8.0f}' if wire else '       -'} bytes  "
            f"({self.read / tasks:6.0f} read by the agent)  "
            f"{self.seconds * 1000 / tasks:6.1f} ms"
        )


async def backlog(server: ServerProcess, name: str, tasks: int) -> str:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, name, [name])
    for n in range(tasks):
        await make_task(operator, f"{name} task {n}", "Do the thing, then say so.", tags=[name])
    return token


async def over_graphql(server: ServerProcess, token: str, tasks: int) -> Cost:
    cost = Cost()
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as http:

        async def send(document: str, name: str, variables: dict[str, Any]) -> Any:
            body = json.dumps({"query": document, "operationName": name, "variables": variables})
            async with http.post(server.graphql_url, data=body) as response:
                answer = await response.read()
            cost.round_trips += 1
            cost.sent += len(body)
            cost.received += len(answer)
            cost.read += len(answer)
            return json.loads(answer)["data"]

        start = time.perf_counter()
        for _ in range(tasks):
            claim = await send(ops.MCP_NEXT_TASK_DOCUMENT, "McpNextTask", {})
            task_id = claim["claimNextTask"]["task"]["id"]
            await send(ops.MCP_GET_TASK_DOCUMENT, "McpGetTask", {"id": task_id})
            progress = {"id": task_id, "progress": 50, "note": "halfway"}
            await send(ops.MCP_REPORT_PROGRESS_DOCUMENT, "McpReportProgress", progress)
            result = {"id": task_id, "result": "done"}
            await send(ops.MCP_SUBMIT_FOR_REVIEW_DOCUMENT, "McpSubmitForReview", result)
        cost.seconds = time.perf_counter() - start
    return cost


async def over_mcp(server: ServerProcess, token: str, tasks: int) -> tuple[Cost, Cost]:
    opening, cost = Cost(), Cost()
    counting = [opening]

    async def on_request(request: httpx2.Request) -> None:
        counting[0].round_trips += 1
        counting[0].sent += len(request.content)

    async def on_response(response: httpx2.Response) -> None:
        await response.aread()
        counting[0].received += len(response.content)

    hooks = {"request": [on_request], "response": [on_response]}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, event_hooks=hooks, timeout=30) as http:
        start = time.perf_counter()
        async with Client(streamable_http_client(f"{server.url}/mcp", http_client=http)) as agent:
            opening.seconds = time.perf_counter() - start
            counting[0] = cost

            async def tool(name: str, **arguments: Any) -> Any:
                result = await agent.call_tool(name, arguments)
                text = "".join(getattr(block, "text", "") for block in result.content)
                cost.read += len(text)
                if result.is_error:
                    raise RuntimeError(text)
                return json.loads(text)

            start = time.perf_counter()
            for _ in range(tasks):
                task_id = (await tool("next_task"))["task"]["id"]
                await tool("get_task", task_id=task_id)
                await tool("report_progress", task_id=task_id, progress=50, note="halfway")
                await tool("submit_for_review", task_id=task_id, result="done")
            cost.seconds = time.perf_counter() - start
            counting[0] = Cost()  # the closing request is not part of the tasks
    return opening, cost


async def work(agent: Client, cost: Cost, tasks: int) -> None:
    """The agent's task life through the tools, `tasks` times: next, get, progress, submit."""

    async def tool(name: str, **arguments: Any) -> Any:
        result = await agent.call_tool(name, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        cost.read += len(text)
        cost.round_trips += 1
        if result.is_error:
            raise RuntimeError(text)
        return json.loads(text)

    start = time.perf_counter()
    for _ in range(tasks):
        task_id = (await tool("next_task"))["task"]["id"]
        await tool("get_task", task_id=task_id)
        await tool("report_progress", task_id=task_id, progress=50, note="halfway")
        await tool("submit_for_review", task_id=task_id, result="done")
    cost.seconds = time.perf_counter() - start


async def over_stdio(server: ServerProcess, token: str, tasks: int) -> tuple[Cost, Cost]:
    opening, cost = Cost(), Cost()
    args = ["--server", server.url, "--token", token, "mcp"]
    params = StdioServerParameters(command=MISSION_CONTROL, args=args, env=clean_environment())
    start = time.perf_counter()
    async with Client(params) as agent:
        opening.seconds = time.perf_counter() - start
        opening.round_trips = 1  # initialize (its notification gets no answer)
        await work(agent, cost, tasks)
    return opening, cost


async def measure(server: ServerProcess, tasks: int) -> None:
    graphql_token = await backlog(server, "graphql", tasks)
    mcp_token = await backlog(server, "mcp", tasks)
    stdio_token = await backlog(server, "stdio", tasks)
    await over_graphql(server, graphql_token, 1)  # warm every path up on one task each
    await over_mcp(server, mcp_token, 1)
    await over_stdio(server, stdio_token, 1)
    baseline = await over_graphql(server, graphql_token, tasks - 1)
    opening, mcp = await over_mcp(server, mcp_token, tasks - 1)
    stdio_opening, stdio = await over_stdio(server, stdio_token, tasks - 1)
    measured = tasks - 1
    print(f"{measured} tasks per path, one agent each, SQLite, same server, same run")
    print(f"  GraphQL (baseline): {baseline.per_task(measured)}")
    print(f"  MCP over HTTP:      {mcp.per_task(measured)}")
    print(f"  MCP over stdio:     {stdio.per_task(measured)}  (pipe bytes not counted)")
    print(
        f"  MCP session opening (once per session): HTTP {opening.round_trips} round trips, "
        f"{opening.sent + opening.received} bytes, {opening.seconds * 1000:.1f} ms; "
        f"stdio (process start + initialize) {stdio_opening.seconds * 1000:.1f} ms"
    )
    print(
        f"  MCP HTTP / GraphQL per task: "
        f"round trips x{mcp.round_trips / baseline.round_trips:.2f}, "
        f"bytes x{(mcp.sent + mcp.received) / (baseline.sent + baseline.received):.2f}, "
        f"read x{mcp.read / baseline.read:.2f}, time x{mcp.seconds / baseline.seconds:.2f}"
    )
    print(
        f"  MCP stdio / GraphQL per task: read x{stdio.read / baseline.read:.2f}, "
        f"time x{stdio.seconds / baseline.seconds:.2f}"
    )


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 31
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            asyncio.run(measure(server, tasks))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
