"""What the runner costs per task: one `mission-control agent run` process draining a backlog
with `true` as its command, against a bare gql loop (claimNextTask + submitForReview) draining
the same backlog on a fresh server as the baseline, measured in the same run.

    .venv/bin/python -m bench.runner_overhead [tasks]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.runners import MISSION_CONTROL, clean_environment, wait_for_events
from tests.support.server import ServerProcess

CLAIM = "mutation { claimNextTask { task { id } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { id } }'


async def backlog(server: ServerProcess, tasks: int) -> str:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "bench", ["python"])
    for i in range(tasks):
        await make_task(operator, title=f"t{i}", tags=["python"])
    return token


async def bare_loop(server: ServerProcess, tasks: int) -> float:
    agent = http_client(server.graphql_url, await backlog(server, tasks))
    start = time.perf_counter()
    for _ in range(tasks):
        held = (await run(agent, CLAIM))["claimNextTask"]["task"]["id"]
        await run(agent, SUBMIT, {"id": held})
    return time.perf_counter() - start


async def runner_process(server: ServerProcess, tasks: int) -> float:
    token = await backlog(server, tasks)
    options = ["--name", "bench", "--token", token, "--server", server.url, "--command", "true"]
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        MISSION_CONTROL,
        "agent",
        "run",
        *options,
        "--interval",
        "5",
        env=clean_environment(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        submitted = lambda seen: sum(e["kind"] == "SUBMITTED" for e in seen) == tasks  # noqa: E731
        await wait_for_events(server, submitted)
        return time.perf_counter() - start
    finally:
        process.terminate()
        await process.wait()


def on_fresh_server(measure: object, tasks: int) -> float:
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            return asyncio.run(measure(server, tasks))  # type: ignore[operator]
        finally:
            server.stop()


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    baseline = on_fresh_server(bare_loop, tasks)
    runner = on_fresh_server(runner_process, tasks)
    print(f"{tasks} tasks, SQLite, one agent")
    print(f"baseline  bare gql loop (claim + submit): {baseline / tasks * 1000:7.1f} ms/task")
    print(f"runner    agent run, CMD=true, start-up incl.: {runner / tasks * 1000:7.1f} ms/task")
    print(f"runner overhead: {(runner - baseline) / tasks * 1000:.1f} ms/task")


if __name__ == "__main__":
    main()
