"""An hour of a runner's output, compressed: `reportOutput` once per simulated second against
the real server, with a heartbeat (the cheapest agent write) as the same-run baseline. Prints
both latencies, and what the hour left behind: Events per kind, the tail's size, the file.

    .venv/bin/python -m bench.agent_output [reports]     # default 3600: one hour at 1/s
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gql import GraphQLRequest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

REPORT = GraphQLRequest(
    "mutation($id: Int!, $chunk: String!) { reportOutput(taskId: $id, chunk: $chunk) { lines } }"
)
HEARTBEAT = GraphQLRequest("mutation { heartbeat { name } }")
KINDS = '{ events(limit: 1000) { kind } agent(name: "dev") { outputTail } }'


def chunk(second: int) -> str:
    """What a busy command prints in a second: five lines of build log."""
    return "\n".join(f"[{second:05}.{n}] compiling module_{second}_{n}.py ... ok" for n in range(5))


async def measure(server: ServerProcess, reports: int) -> dict[str, list[float]]:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev")
    task = await make_task(operator, title="Build")
    agent = http_client(server.graphql_url, token)
    await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})
    times: dict[str, list[float]] = {"reportOutput": [], "heartbeat": []}
    async with agent as session:
        for second in range(reports):
            start = time.perf_counter()
            await session.execute(
                REPORT, variable_values={"id": task["id"], "chunk": chunk(second)}
            )
            times["reportOutput"].append(time.perf_counter() - start)
            if second % 10 == 0:  # a heartbeat every ten reports, as a runner with --interval 10
                start = time.perf_counter()
                await session.execute(HEARTBEAT)
                times["heartbeat"].append(time.perf_counter() - start)
    return times


def main() -> None:
    reports = int(sys.argv[1]) if len(sys.argv) > 1 else 3600
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            times = asyncio.run(measure(server, reports))
            left = asyncio.run(run(http_client(server.graphql_url, server.operator_token), KINDS))
            sizes = {p.name: p.stat().st_size for p in sorted(path.glob("mc.db*"))}
        finally:
            server.stop()
    for name, samples in times.items():
        print(
            f"{name:13} n={len(samples):5}  median {statistics.median(samples) * 1000:6.2f} ms  "
            f"p90 {statistics.quantiles(samples, n=10)[-1] * 1000:6.2f} ms"
        )
    ratio = statistics.median(times["reportOutput"]) / statistics.median(times["heartbeat"])
    print(f"reportOutput / heartbeat (baseline) median ratio: {ratio:.2f}")
    kinds = [event["kind"] for event in left["events"]]
    counts = {kind: kinds.count(kind) for kind in sorted(set(kinds))}
    tail = left["agent"]["outputTail"]
    print(f"Events left after {reports} reports: {counts}")
    print(f"tail: {len(tail.splitlines())} lines, {len(tail):,} characters")
    kept = sum(len(chunk(second)) for second in range(reports))
    print(f"without superseding, the log would keep {reports} OUTPUT rows, {kept:,} characters")
    print("files: " + ", ".join(f"{name} {size:,} bytes" for name, size in sizes.items()))


if __name__ == "__main__":
    main()
