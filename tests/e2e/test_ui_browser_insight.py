"""The charts page and the GraphQL playground in Chromium, with the network to anything but the
server blocked: both render from the server's own files, and the playground runs as the board
session. Screenshots at 1,400×900 and 390×844 go to tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, Route, expect

from tests.support.browser import ARTIFACTS, chromium_missing, chromium_page
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

TIMEOUT_MS = 30_000
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}


def only_the_server(
    server: ServerProcess, blocked: list[str]
) -> Callable[[Route], Awaitable[None]]:
    """A route handler that lets requests to the server through and aborts every other one."""

    async def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(server.url + "/") or url.startswith("data:"):
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort()

    return handle


async def worked(server: ServerProcess) -> None:
    """Two tasks done by an agent, one in progress, one waiting in intake."""
    operator = http_client(server.graphql_url, server.operator_token)
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    for title in ("first", "second"):
        task = await make_task(operator, title=title)
        await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})
        await run(
            agent,
            'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { id } }',
            {"id": task["id"]},
        )
        await run(
            operator, "mutation($id: Int!) { approveTask(id: $id) { id } }", {"id": task["id"]}
        )
    held = await make_task(operator, title="held")
    await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": held["id"]})
    await make_task(operator, title="waits", description="", priority=None)


async def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(300)  # ECharts redraws on resize; let it settle for the picture
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"))


async def test_charts_and_playground_render_offline_and_the_playground_knows_the_session(
    server: ServerProcess,
) -> None:
    await worked(server)
    blocked: list[str] = []
    async with chromium_page() as page:
        assert isinstance(page, Page)
        page.set_default_timeout(TIMEOUT_MS)
        await page.route("**/*", only_the_server(server, blocked))
        await page.goto(f"{server.url}/login?token={server.operator_token}")
        await expect(page.locator("[data-status=ready]")).to_be_visible()

        await page.get_by_role("link", name="Charts").click()
        await expect(page.get_by_text("2 done, 0 lease expiries")).to_be_visible()
        await expect(page.locator(".nicegui-echart canvas")).to_have_count(5)
        await shoot(page, "charts")

        await page.set_viewport_size({"width": 1400, "height": 900})
        await page.goto(f"{server.url}/graphql")
        await expect(page.locator(".graphiql-container")).to_be_visible()
        await expect(page.get_by_text("Signed in from your board session")).to_be_visible()
        await page.locator(".graphiql-execute-button").click()
        result = page.locator(".result-window")
        await expect(result).to_contain_text('"me": "operator"')
        await shoot(page, "playground")

        # A subscription over the vendored graphql-ws client, on the session too.
        await page.set_viewport_size({"width": 1400, "height": 900})
        await page.evaluate(
            "text => document.querySelector('.graphiql-query-editor .CodeMirror')"
            ".CodeMirror.setValue(text)",
            # since: 0 replays what came before, so the new task cannot slip in before the
            # subscription is live on the server.
            "subscription { events(since: 0, kinds: [CREATED]) { kind taskId } }",
        )
        # GraphiQL parses the editor after a pause; a subscription goes over WebSocket once
        # the parsed document says it is one.
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
            ".documentAST?.definitions[0]?.operation === 'subscription'"
        )
        await page.locator(".graphiql-execute-button").click()
        stop = re.compile("Stop query")
        await expect(page.locator(".graphiql-execute-button")).to_have_attribute("aria-label", stop)
        operator = http_client(server.graphql_url, server.operator_token)
        task = await make_task(operator, title="seen in the playground")
        await expect(result).to_contain_text(f'"taskId": {task["id"]}')

    assert blocked == []  # nothing but the server was even asked for
