"""The task page's fields in Chromium: keystrokes typed while an agent's Events arrive all stay,
a field nobody touched follows the task, and a save over a concurrent change is refused with
the notice on screen (screenshot under tests/artifacts/)."""

from __future__ import annotations

import asyncio

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
UPDATE = (
    "mutation($id: Int!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { id } }"
)
PROGRESS = "mutation($id: Int!, $p: Int!) { reportProgress(id: $id, progress: $p) { id } }"
FIELDS = "query($id: Int!) { task(id: $id) { title description tags progress } }"


async def test_typing_survives_live_updates_and_a_conflicting_save_is_refused(
    server: ServerProcess,
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    task_id = int((await make_task(operator, "Original", "Their words", 2))["id"])
    await run(agent, "mutation { claimNextTask { task { id } } }")
    ARTIFACTS.mkdir(exist_ok=True)

    async with chromium_page(1400, 900) as page:
        assert isinstance(page, Page)
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await page.goto(f"{server.url}/task/{task_id}")
        title = page.get_by_label("Title", exact=True)
        await title.fill("")

        async def events() -> None:
            for step in range(1, 21):
                await run(agent, PROGRESS, {"id": task_id, "p": step * 4})

        await asyncio.gather(title.press_sequentially("Half a new title", delay=40), events())
        await expect(page.get_by_text("progress: 80%")).to_be_visible()
        await expect(title).to_have_value("Half a new title")
        await run(operator, UPDATE, {"id": task_id, "input": {"tags": ["api"]}})
        await expect(page.get_by_label("Tags", exact=True)).to_have_value("api")
        await expect(title).to_have_value("Half a new title")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_text(f"#{task_id} · Half a new title")).to_be_visible()
        saved = (await run(operator, FIELDS, {"id": task_id}))["task"]
        assert (saved["title"], saved["tags"], saved["progress"]) == (
            "Half a new title",
            ["api"],
            80,
        )

        description = page.get_by_label("Description", exact=True)
        await description.fill("My words")
        await run(operator, UPDATE, {"id": task_id, "input": {"description": "Newer words"}})
        await expect(
            page.get_by_text("The description changed while you were editing")
        ).to_be_visible()
        await expect(description).to_have_value("My words")
        await page.get_by_role("button", name="Save").click()
        refusal = page.locator(".q-notification", has_text="someone changed it since you read it")
        await expect(refusal).to_be_in_viewport(ratio=1)
        await page.get_by_text("Details", exact=True).scroll_into_view_if_needed()
        await page.screenshot(path=str(ARTIFACTS / "task-fields-conflict-1400.png"))
        saved = (await run(operator, FIELDS, {"id": task_id}))["task"]
        assert saved["description"] == "Newer words", "the other change is not overwritten"
        await page.get_by_role("button", name="Reload values").click()
        await expect(description).to_have_value("Newer words")

    async with chromium_page(390, 844, is_mobile=True, has_touch=True) as phone:
        assert isinstance(phone, Page)
        phone.set_default_timeout(TIMEOUT_MS)
        await phone.goto(f"{server.url}/login?token={server.operator_token}")
        await phone.goto(f"{server.url}/task/{task_id}")
        await phone.get_by_label("Title", exact=True).fill("From the phone")
        await run(operator, UPDATE, {"id": task_id, "input": {"title": "From the desk"}})
        notice = phone.get_by_text("The title changed while you were editing")
        await expect(notice).to_be_visible()
        await notice.scroll_into_view_if_needed()
        width = await phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the notice needs no sideways scrolling on a phone ({width}px)"
        await phone.screenshot(path=str(ARTIFACTS / "task-fields-conflict-390.png"))
