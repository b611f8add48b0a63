"""The board and a task in review in Chromium at 1,400×900 and on a phone (390×844): what
fits, what scrolls, the result rendered safely, local times, dark mode; screenshots are saved
under tests/artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from gql import Client
from playwright.async_api import Page, expect

from tests.support.browser import ARTIFACTS, chromium_missing, chromium_page
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

TIMEOUT_MS = 15_000
RESULT = """# Parser fixed

Tabs are **spaces** now; see the [guide](https://example.com/guide).
<script>window.__owned = true</script>
<img src=x onerror="window.__owned = true">
[click](javascript:window.__owned=true)

| case | before | after |
|------|--------|-------|
| tab  | crash  | ok    |
"""


async def in_review(operator: Client, server: ServerProcess) -> int:
    token = await make_agent(operator, "dev", ["python"])
    agent = http_client(server.graphql_url, token)
    for n in range(6):
        await make_task(operator, title=f"Backlog item {n}", priority=n % 4 + 2)
    task = await make_task(operator, "Fix the parser", "It crashes on tabs", 1, ["python"])
    claimed = await run(agent, "mutation { claimNextTask { task { id } } }")
    assert claimed["claimNextTask"]["task"]["id"] == task["id"]
    await run(
        agent,
        'mutation($id: Int!) { reportProgress(id: $id, progress: 60, note: "lexer done") { id } }',
        {"id": task["id"]},
    )
    await run(
        agent,
        "mutation($id: Int!, $r: String) { submitForReview(id: $id, result: $r) { id } }",
        {"id": task["id"], "r": RESULT},
    )
    await run(
        operator,
        'mutation($id: Int!) { addComment(taskId: $id, body: "Does it handle **CRLF**?") { id } }',
        {"id": task["id"]},
    )
    await run(
        agent,
        'mutation($id: Int!) { addComment(taskId: $id, body: "Yes, tested.") { id } }',
        {"id": task["id"]},
    )
    blocked = await make_task(operator, title="Needs the API keys", priority=2)
    await run(
        operator,
        'mutation($id: Int!) { blockTask(id: $id, reason: "waiting for the API keys") { id } }',
        {"id": blocked["id"]},
    )
    done = await make_task(operator, title="Old work", priority=3)
    await run(operator, "mutation($id: Int!) { cancelTask(id: $id) { id } }", {"id": done["id"]})
    return int(task["id"])


async def metrics(page: Page, selector: str) -> dict[str, Any]:
    return await page.evaluate(
        """sel => { const el = document.querySelector(sel); const box = el.getBoundingClientRect();
        return {scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, right: box.right,
                overflowX: getComputedStyle(el).overflowX}; }""",
        selector,
    )


async def test_board_and_review_page_at_1400_and_on_a_phone(server: ServerProcess) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    task_id = await in_review(operator, server)
    ARTIFACTS.mkdir(exist_ok=True)

    async with chromium_page(1400, 900, timezone_id="America/New_York") as page:
        assert isinstance(page, Page)
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await expect(page.locator("[data-status=cancelled]")).to_be_visible()
        await expect(page.get_by_text("waiting for the API keys")).to_be_visible()
        board = await metrics(page, ".mc-board")
        assert board["overflowX"] == "auto", "the columns scroll sideways"
        cancelled = await metrics(page, "[data-status=cancelled]")
        assert cancelled["right"] <= 1400, "with Done/Cancelled collapsed every column fits"
        await page.screenshot(path=str(ARTIFACTS / "review-board-1400.png"), full_page=True)

        await page.goto(f"{server.url}/task/{task_id}")
        await expect(page.get_by_role("heading", name="Parser fixed")).to_be_visible()
        await expect(page.locator(".mc-markdown table")).to_have_count(1)
        assert await page.evaluate("() => window.__owned === undefined")
        assert await page.locator(".mc-markdown script").count() == 0
        assert await page.locator(".mc-markdown a[href^='javascript']").count() == 0
        await expect(page.locator(".mc-markdown strong", has_text="CRLF")).to_be_visible()
        await expect(page.locator(".mc-markdown", has_text="Yes, tested.")).to_be_visible()
        await expect(page.get_by_text("progress 60% · lexer done")).to_be_visible()
        await expect(page.get_by_role("button", name="Approve")).to_be_visible()
        await expect(page.get_by_role("button", name="Reject with feedback")).to_be_visible()
        await expect(page.get_by_role("button", name="Cancel task")).to_be_visible()
        stamp = page.locator("[data-time]").first
        await expect(stamp).to_have_text("just now")
        title = await stamp.get_attribute("title")
        assert title and "UTC" not in title, f"local time on hover, got {title!r}"
        await page.screenshot(path=str(ARTIFACTS / "review-task-1400.png"), full_page=True)

        await page.goto(f"{server.url}/task/abc")
        await expect(page.get_by_text("No such task")).to_be_visible()

    async with chromium_page(390, 844, is_mobile=True, has_touch=True) as phone:
        assert isinstance(phone, Page)
        phone.set_default_timeout(TIMEOUT_MS)
        await phone.goto(f"{server.url}/login?token={server.operator_token}")
        await expect(phone.locator("[data-status=ready]")).to_be_visible()
        await phone.screenshot(path=str(ARTIFACTS / "review-board-390.png"))
        await phone.goto(f"{server.url}/task/{task_id}")
        await expect(phone.get_by_role("button", name="Approve")).to_be_visible()
        width = await phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the task page needs no sideways scrolling on a phone ({width}px)"
        await phone.screenshot(path=str(ARTIFACTS / "review-task-390.png"), full_page=True)
        await phone.get_by_role("button", name="Approve").click()
        await expect(phone.get_by_text("status: done")).to_be_visible()

    async with chromium_page(1400, 900, color_scheme="dark") as dark:
        assert isinstance(dark, Page)
        dark.set_default_timeout(TIMEOUT_MS)
        await dark.goto(f"{server.url}/login?token={server.operator_token}")
        await expect(dark.locator("[data-status=ready]")).to_be_visible()
        await expect(dark.locator("body.body--dark")).to_have_count(1)
        await dark.screenshot(path=str(ARTIFACTS / "review-board-dark-1400.png"))
