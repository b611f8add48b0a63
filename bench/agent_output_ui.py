"""Output → screen: from a `reportOutput` mutation to its line in the agents page's terminal, in
Debian's Chromium, against a heartbeat → the card's "heartbeat 0s ago" (a full update of the
page) as the same-run baseline.

    .venv/bin/python -m bench.agent_output_ui [samples]     # default 30
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import Page, expect

from tests.support.browser import chromium_page
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

REPORT = (
    "mutation($id: Int!, $chunk: String!) { reportOutput(taskId: $id, chunk: $chunk) { lines } }"
)
NOTE = "mutation($note: String) { heartbeat(note: $note) { name } }"


async def measure(server: ServerProcess, samples: int) -> dict[str, list[float]]:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev")
    task = await make_task(operator, title="Build")
    agent = http_client(server.graphql_url, token)
    await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})
    times: dict[str, list[float]] = {"output → terminal": [], "heartbeat → card": []}
    async with chromium_page() as page:
        assert isinstance(page, Page)
        page.set_default_timeout(15_000)
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await page.goto(f"{server.url}/agents")
        terminal, card = page.locator("[data-output=dev]"), page.locator("[data-agent=dev]")
        await expect(card).to_be_visible()
        for n in range(samples):
            start = time.perf_counter()
            await run(agent, REPORT, {"id": task["id"], "chunk": f"sample line {n}"})
            await expect(terminal).to_contain_text(f"sample line {n}")
            times["output → terminal"].append(time.perf_counter() - start)
            start = time.perf_counter()
            await run(agent, NOTE, {"note": f"note {n}"})
            await expect(card).to_contain_text(f"note {n}")
            times["heartbeat → card"].append(time.perf_counter() - start)
    return times


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(workdir=path, database_url=f"sqlite://{path / 'mc.db'}").start()
        try:
            times = asyncio.run(measure(server, samples))
        finally:
            server.stop()
    for name, values in times.items():
        print(
            f"{name:18} n={len(values):3}  p50 {statistics.median(values) * 1000:6.1f} ms  "
            f"p95 {statistics.quantiles(values, n=20)[-1] * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
