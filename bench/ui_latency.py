"""How fast the board follows the system: GraphQL mutation → change in the browser's DOM.

Run: .venv/bin/python -m bench.ui_latency [--changes 100] [--tasks 5000]

Prints p50/p95 of (a) a createTask mutation's round trip alone (the baseline) and (b) the same
mutation until its card is in Chromium's DOM on a logged-in board (changes --gap apart, so
each is a flush of its own; closer ones are coalesced into one flush per 100 ms); then the
first paint of a board with --tasks tasks next to the first paint of an empty board and the
GraphQL `board` query for the big one; then (a) and (b) again on the big board with the
/charts page open in a second tab (every change also recomputes its figures), the charts'
first paint and a /metrics scrape. Needs /usr/bin/chromium (Debian's package).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import Page

from mission_control.domain.actors import OPERATOR
from mission_control.runtime import Runtime
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import load_settings
from tests.support.browser import chromium_missing, chromium_page
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

CREATE = "mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }"
CARD_IN_DOM = (
    "title => [...document.querySelectorAll('[data-task]')]"
    ".some(card => card.textContent.includes(title))"
)
BOARD = "{ board(perColumn: 30) { columns { status count tasks { id title } } } }"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def seed(database_url: str, count: int) -> None:
    """Fill a database through the services (faster than GraphQL, same rows and Events)."""
    runtime = Runtime(
        load_settings(
            database_url=database_url, operator_token="mco_bench_seeding_token_0123456789"
        )
    )
    await runtime.start()
    try:
        for n in range(count):
            draft = TaskDraft(
                title=f"Seeded task {n}", description="bench", priority=n % 5 + 1, tags=["bench"]
            )
            await create_task(runtime.ctx, OPERATOR, draft)
    finally:
        await runtime.stop()


async def first_paint(page: Page, server: ServerProcess) -> float:
    """From navigation to every column drawn and the first card visible (or none expected)."""
    started = time.perf_counter()
    await page.goto(f"{server.url}/login?token={server.operator_token}")
    await page.locator("[data-status=cancelled]").wait_for()
    if await page.locator("[data-task]").count() == 0:
        await page.locator("[data-status=ready]").wait_for()
    else:
        await page.locator("[data-task]").first.wait_for()
    return time.perf_counter() - started


async def changes_to_dom(page: Page, server: ServerProcess, changes: int, where: str) -> None:
    """createTask `changes` times, each until its card is in the board's DOM; prints both."""
    operator = http_client(server.graphql_url, server.operator_token)
    # Newest first: each probe card lands on top of its column, inside the loaded page (in the
    # board's default order, by priority like claims, a probe sorts below the older P1 tasks).
    await page.goto(f"{server.url}/?sort=newest")
    await page.locator("[data-status=ready]").wait_for()
    round_trips, visible = [], []
    for n in range(changes):
        title = f"Latency probe {where} {n}"
        started = time.perf_counter()
        await run(
            operator, CREATE, {"input": {"title": title, "description": "probe", "priority": 1}}
        )
        round_trips.append(time.perf_counter() - started)
        await page.locator("[data-status=ready] [data-task]", has_text=title).wait_for()
        visible.append(time.perf_counter() - started)
    print(
        f"baseline  GraphQL createTask round trip ({changes}x, {where}): {percentiles(round_trips)}"
    )
    print(
        f"measured  mutation → card in Chromium DOM ({changes}x, {where}): {percentiles(visible)}"
    )


async def charts_paint(page: Page, server: ServerProcess) -> float:
    """From navigation to /charts until its five charts are drawn."""
    started = time.perf_counter()
    await page.goto(f"{server.url}/charts")
    await page.locator(".nicegui-echart canvas").nth(4).wait_for()
    return time.perf_counter() - started


async def mutation_to_dom(server: ServerProcess, changes: int, gap: float) -> None:
    async with chromium_page() as page:
        assert isinstance(page, Page)
        empty = min([await first_paint(page, server) for _ in range(3)])
        await changes_to_dom(page, server, changes, "small board")
    print(f"baseline  first paint of an empty board:      {empty * 1000:7.1f} ms (best of 3)")


async def with_charts_open(server: ServerProcess, changes: int, tasks: int) -> None:
    """The big board again, with /charts open in a second tab of the same session."""
    async with chromium_page() as page:
        assert isinstance(page, Page)
        await first_paint(page, server)
        charts = await page.context.new_page()
        paints = [await charts_paint(charts, server) for _ in range(3)]
        await page.bring_to_front()
        await changes_to_dom(page, server, changes, f"{tasks} tasks, /charts open")
    async with httpx.AsyncClient(timeout=60) as http:
        headers = {"Authorization": f"Bearer {server.operator_token}"}
        scrapes = []
        for _ in range(5):
            started = time.perf_counter()
            (await http.get(f"{server.url}/metrics", headers=headers)).raise_for_status()
            scrapes.append(time.perf_counter() - started)
    print(
        f"measured  first paint of /charts, {tasks} tasks: {min(paints) * 1000:7.1f} ms (best of 3)"
    )
    print(
        f"measured  /metrics scrape, {tasks} tasks:       {min(scrapes) * 1000:7.1f} ms (best of 5)"
    )


async def big_board(workdir: Path, tasks: int, changes: int) -> None:
    url = f"sqlite://{workdir / 'big.db'}"
    started = time.perf_counter()
    await seed(url, tasks)
    print(f"(seeded {tasks} tasks through the services in {time.perf_counter() - started:.1f} s)")
    server = ServerProcess(workdir=workdir, database_url=url).start()
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        started = time.perf_counter()
        await run(operator, BOARD)
        query = time.perf_counter() - started
        async with chromium_page() as page:
            assert isinstance(page, Page)
            paints = [await first_paint(page, server) for _ in range(3)]
        print(f"baseline  GraphQL board query, {tasks} tasks:  {query * 1000:7.1f} ms")
        print(
            f"measured  first paint of a {tasks}-task board: {min(paints) * 1000:7.1f} ms "
            f"(best of 3; all {', '.join(f'{p * 1000:.0f}' for p in paints)} ms)"
        )
        await with_charts_open(server, changes, tasks)
    finally:
        server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument(
        "--gap",
        type=float,
        default=0.15,
        help="seconds between changes; under 0.1 the board's coalescing batches them",
    )
    args = parser.parse_args()
    if reason := chromium_missing():
        sys.exit(f"cannot run: {reason}")
    with tempfile.TemporaryDirectory(prefix="mc-ui-bench-") as tmp:
        workdir = Path(tmp)
        server = ServerProcess(workdir=workdir, database_url=f"sqlite://{workdir / 'live.db'}")
        server.start()
        try:
            await mutation_to_dom(server, args.changes, args.gap)
        finally:
            server.stop()
        await big_board(workdir, args.tasks, args.changes)


if __name__ == "__main__":
    asyncio.run(main())
