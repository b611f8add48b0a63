"""Debian's Chromium driven by Playwright (no browser download: the system binary is used)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)"
    return None


@contextlib.asynccontextmanager
async def chromium_page(
    width: int = 1800, height: int = 1000, **context_options: object
) -> AsyncIterator[object]:
    """A fresh page in a headless Chromium, closed afterwards; `context_options` go to
    Playwright's new_context (timezone_id, color_scheme, is_mobile, ...)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(
                viewport={"width": width, "height": height}, **context_options
            )
            yield await context.new_page()
        finally:
            await browser.close()
