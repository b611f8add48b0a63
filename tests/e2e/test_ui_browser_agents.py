"""The agents page in Chromium while a real runner streams its command's output: the terminal
fills live, and Approve works while Events pour in. Screenshots at 1,400×900 and 390×844 go to
tests/artifacts/."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import pytest
from gql import GraphQLRequest
from playwright.async_api import Page, expect

from tests.support.browser import ARTIFACTS, chromium_missing, chromium_page
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.runners import RunnerProcess, start_runner
from tests.support.server import ServerProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

TIMEOUT_MS = 30_000
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
HEARTBEAT = GraphQLRequest("mutation { heartbeat { name } }")


@contextlib.asynccontextmanager
async def heartbeats(
    server: ServerProcess, token: str, per_second: float
) -> AsyncIterator[list[int]]:
    """An agent's heartbeats at `per_second` (each an Event the page hears) while the block runs."""
    sent = [0]

    async def beat() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        async with http_client(server.graphql_url, token) as session:
            while True:
                await session.execute(HEARTBEAT)
                sent[0] += 1
                await asyncio.sleep(max(0.0, start + sent[0] / per_second - loop.time()))

    flood = asyncio.create_task(beat())
    try:
        yield sent
    finally:
        flood.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flood


async def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(300)  # let the layout settle for the picture
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)


async def test_agents_page_shows_a_runners_output_live_and_approve_works_under_events(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    dev = await make_agent(operator, "dev", ["python"])
    scout = await make_agent(operator, "scout", ["docs"])
    await make_task(operator, title="Build the release", tags=["python"], priority=1)
    runners.append(start_runner(server, "dev", dev, "--stream"))

    async with chromium_page() as page:
        assert isinstance(page, Page)
        page.set_default_timeout(TIMEOUT_MS)
        await page.set_viewport_size({"width": 1400, "height": 900})
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await page.goto(f"{server.url}/agents")
        terminal = page.locator("[data-output=dev]")
        await expect(terminal).to_contain_text("tick 3: ok building step 3")  # no escapes left
        await expect(terminal).to_contain_text(re.compile(r"tick 1\d: ok"))  # it keeps coming
        card = page.locator("[data-agent=dev]")
        await expect(card).to_contain_text("#1 Build the release")
        await expect(card).to_contain_text(re.compile(r"heartbeat \d+s ago"))
        await expect(card).to_contain_text("today: 0 tokens")
        await expect(page.get_by_text("Autonomy on: agents pick up work")).to_be_visible()

        await run(operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
        await make_task(operator, title="Write the notes", tags=["docs"], priority=2)
        claim = await run(
            http_client(server.graphql_url, scout),
            "mutation { claimNextTask { outcome approvalId } }",
        )
        assert claim["claimNextTask"]["outcome"] == "AWAITING_APPROVAL"
        approval_id = claim["claimNextTask"]["approvalId"]
        row = page.locator(f"[data-approval='{approval_id}']")
        await expect(row).to_contain_text("scout")
        await expect(row).to_contain_text("#2 Write the notes")
        await expect(row).to_contain_text("P2")
        await shoot(page, "agents-streaming")

        await page.set_viewport_size({"width": 1400, "height": 900})
        async with heartbeats(server, scout, 20) as sent:
            while sent[0] < 20:
                await asyncio.sleep(0.05)
            await row.get_by_role("button", name="Approve").click()
            await expect(row).to_have_count(0)
        assert sent[0] >= 20
        decided = await run(operator, "{ approvals(status: null) { id status } }")
        assert {"id": approval_id, "status": "GRANTED"} in decided["approvals"]
        await expect(page.locator("[data-agent=scout]")).to_contain_text("#2 Write the notes")
