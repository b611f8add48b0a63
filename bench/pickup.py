"""How long one pickup takes through the real server: `claimNextTask` (gates, skills, routing
order) against a named `claimTask` of a known id as the baseline, measured in the same run.

    .venv/bin/python -m bench.pickup [tasks]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

SUBMIT = "mutation($id: Int!) { submitForReview(id: $id) { id } }"


async def timed(step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await step()
    return time.perf_counter() - start, result


async def measure(server: ServerProcess, tasks: int) -> dict[str, list[float]]:
    operator = http_client(server.graphql_url, server.operator_token)
    agent = http_client(server.graphql_url, await make_agent(operator, "bench", ["python"]))
    ids = [(await make_task(operator, title=f"t{i}", tags=["python"]))["id"] for i in range(tasks)]
    for i in range(tasks):  # a backlog the candidate scan has to look past
        await make_task(operator, title=f"other{i}", tags=["rust"])
    times: dict[str, list[float]] = {"claimNextTask": [], "claimTask": [], "heartbeat": []}
    for i, task_id in enumerate(ids):
        seconds, _ = await timed(lambda: run(agent, "mutation { heartbeat { name } }"))
        times["heartbeat"].append(seconds)
        if i % 2:
            query, variables = "mutation { claimNextTask { task { id } } }", {}
            name = "claimNextTask"
        else:
            query, variables = "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task_id}
            name = "claimTask"
        seconds, data = await timed(lambda q=query, v=variables: run(agent, q, v))
        times[name].append(seconds)
        held = data["claimNextTask"]["task"]["id"] if name == "claimNextTask" else task_id
        await run(agent, SUBMIT, {"id": held})
    return times


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            times = asyncio.run(measure(server, tasks))
        finally:
            server.stop()
    for name, samples in times.items():
        print(
            f"{name:14} n={len(samples):4}  median {statistics.median(samples) * 1000:6.2f} ms  "
            f"p90 {statistics.quantiles(samples, n=10)[-1] * 1000:6.2f} ms"
        )
    ratio = statistics.median(times["claimNextTask"]) / statistics.median(times["claimTask"])
    print(f"claimNextTask / claimTask (baseline) median ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
