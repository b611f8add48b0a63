"""How fast an idle runner picks up new work: a `mission-control agent run` process with a
ten-minute heartbeat (--interval 600) waits idle; the bench creates a task that fits it and
times create → CLAIMED (seen on the Event stream). Baseline in the same run and on the same
server: a bare gql agent that creates a task and claims it at once (the GraphQL round trips
alone, no waiting at all).

    .venv/bin/python -m bench.runner_wake [rounds]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gql import GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run, ws_client
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess

INTERVAL = 600.0
CLAIM = "mutation { claimNextTask { outcome task { id } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { id } }'
EVENTS = """
subscription($since: Int) { events(since: $since, kinds: [CLAIMED, SUBMITTED, HEARTBEAT]) {
  id kind taskId agentName } }
"""


class Stream:
    """The Event stream, read into a queue, so the bench awaits Events instead of polling."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.queue: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async with ws_client(self.server.ws_url, self.server.operator_token) as session:
            async for result in session.subscribe(
                GraphQLRequest(EVENTS, variable_values={"since": 0})
            ):
                self.queue.put_nowait((time.perf_counter(), result["events"]))

    def start(self) -> None:
        self.task = asyncio.create_task(self._read())

    async def next(self, kind: str, task_id: int | None = None) -> float:
        while True:
            at, event = await asyncio.wait_for(self.queue.get(), 60)
            if event["kind"] == kind and (task_id is None or event["taskId"] == task_id):
                return at


async def measure(server: ServerProcess, rounds: int) -> tuple[list[float], list[float]]:
    operator = http_client(server.graphql_url, server.operator_token)
    runner_token = await make_agent(operator, "sleeper", ["python"])
    direct = http_client(server.graphql_url, await make_agent(operator, "direct", ["rust"]))
    stream = Stream(server)
    stream.start()
    options = ["--name", "sleeper", "--token", runner_token, "--server", server.url]
    process = await asyncio.create_subprocess_exec(
        MISSION_CONTROL,
        "agent",
        "run",
        *options,
        "--command",
        "true",
        "--interval",
        str(INTERVAL),
        env=clean_environment(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    woken: list[float] = []
    baseline: list[float] = []
    try:
        await stream.next("HEARTBEAT")  # the runner is up; from now on it only waits
        for n in range(rounds):
            start = time.perf_counter()
            task = await make_task(operator, title=f"direct {n}", tags=["rust"])
            claim = (await run(direct, CLAIM))["claimNextTask"]
            baseline.append(time.perf_counter() - start)
            assert claim["task"]["id"] == task["id"], claim
            await run(direct, SUBMIT, {"id": task["id"]})

            start = time.perf_counter()
            task = await make_task(operator, title=f"wake {n}", tags=["python"])
            woken.append(await stream.next("CLAIMED", task["id"]) - start)
            await stream.next("SUBMITTED", task["id"])  # idle again before the next round
    finally:
        process.terminate()
        await process.wait()
        if stream.task:
            stream.task.cancel()
    return woken, baseline


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            woken, baseline = asyncio.run(measure(server, rounds))
        finally:
            server.stop()
    print(f"{rounds} rounds, SQLite, runner idle with --interval {INTERVAL:.0f}")
    print(
        f"baseline  create + claimNextTask round trips: median "
        f"{statistics.median(baseline) * 1000:7.1f} ms, worst {max(baseline) * 1000:7.1f} ms"
    )
    print(
        f"runner    create -> CLAIMED by the idle runner: median "
        f"{statistics.median(woken) * 1000:7.1f} ms, worst {max(woken) * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
