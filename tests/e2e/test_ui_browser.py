"""The board in a real browser: log in, create a task, drag it, see another client's change."""

from __future__ import annotations

import pytest
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


def card(page: Page, status: str, title: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-status={status}] [data-task]", has_text=title)


async def test_operator_drives_the_board_in_chromium(server: ServerProcess) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    async with chromium_page() as page:
        assert isinstance(page, Page)
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await expect(page.locator("[data-status=ready]")).to_be_visible()

        await page.get_by_role("button", name="New task").click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Title").fill("Made in the browser")
        await dialog.get_by_label("Description").fill("typed by Playwright")
        await dialog.get_by_label("Priority").click()
        await page.get_by_role("option", name="P2").click()
        await dialog.get_by_role("button", name="Create").click()
        created = card(page, "ready", "Made in the browser")
        await expect(created).to_be_visible()

        await created.drag_to(page.locator("[data-status=cancelled]"))
        confirm = page.get_by_role("dialog")
        await confirm.get_by_role("button", name="Cancel", exact=True).click()
        await expect(created).to_have_count(0)
        # Cancelled starts collapsed to its count: open it to see the card.
        await page.locator("[data-status=cancelled] button").first.click()
        await expect(card(page, "cancelled", "Made in the browser")).to_be_visible()
        listed = await run(
            operator, '{ tasks(where: {text: "Made in the browser"}) { nodes { status } } }'
        )
        assert listed["tasks"]["nodes"] == [{"status": "CANCELLED"}]

        await card(page, "cancelled", "Made in the browser").drag_to(
            page.locator("[data-status=done]")
        )
        await page.get_by_role("dialog").get_by_role("button", name="Approve").click()
        refusal = page.get_by_text("is cancelled, so it cannot be moved to done")
        await expect(refusal).to_be_visible()
        await expect(card(page, "cancelled", "Made in the browser")).to_be_visible()

        other = await make_task(operator, title="Sent through GraphQL", priority=1)
        await expect(card(page, "ready", "Sent through GraphQL")).to_be_visible()
        await run(
            operator,
            'mutation($id: Int!) { blockTask(id: $id, reason: "waiting on keys") { id } }',
            {"id": other["id"]},
        )
        await expect(card(page, "blocked", "Sent through GraphQL")).to_be_visible()

        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "board.png"), full_page=True)

        await make_agent(operator, "scout")
        await page.get_by_role("link", name="Agents").click()
        await expect(page.get_by_text("Autonomy on")).to_be_visible()
        await expect(page.get_by_text("scout", exact=True)).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "agents.png"), full_page=True)
