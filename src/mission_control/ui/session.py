"""Who is looking at the page: a token checked by the services on every page and every action.

The token never leaves the server process: the browser holds only NiceGUI's signed browser id,
mapped here to the token it logged in with. Each page load and each button re-authenticates, so a
revoked token stops working at the next click, not at the next login.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from nicegui import app, ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import MissionControlError, Unauthenticated
from mission_control.runtime import Runtime
from mission_control.services.auth import authenticate

log = logging.getLogger(__name__)

T = TypeVar("T")

_tokens: dict[str, str] = {}


def browser_id() -> str:
    return str(app.storage.browser["id"])


async def log_in(runtime: Runtime, token: str) -> Actor:
    """Check the token with the services and remember it for this browser."""
    actor = await authenticate(runtime.ctx, token.strip() or None)
    if actor.role is Role.AGENT:
        raise Unauthenticated("This is an agent's token; the board needs an operator or viewer.")
    _tokens[browser_id()] = token.strip()
    return actor


def log_out() -> None:
    _tokens.pop(browser_id(), None)


@dataclass
class Session:
    """The runtime and the browser a page was built for; every action goes through `run`."""

    runtime: Runtime
    browser: str
    actor: Actor

    @property
    def can_write(self) -> bool:
        return self.actor.role is not Role.VIEWER

    async def current_actor(self) -> Actor | None:
        """The actor the browser's token stands for now, or None (logged out or revoked)."""
        token = _tokens.get(self.browser)
        if token is None:
            return None
        try:
            return await authenticate(self.runtime.ctx, token)
        except Unauthenticated:
            _tokens.pop(self.browser, None)
            return None

    async def run(self, action: Callable[[Actor], Awaitable[T]]) -> T | None:
        """Do a service call as the session's actor; errors become a notification, not a crash."""
        actor = await self.current_actor()
        if actor is None:
            ui.notify("Your session has ended; log in again.", type="negative")
            ui.navigate.to("/login")
            return None
        self.actor = actor
        try:
            return await action(actor)
        except MissionControlError as error:
            log.info("ui action refused (%s): %s", error.code, error.message)
            ui.notify(error.message, type="negative", multi_line=True)
            return None


def to_login() -> RedirectResponse:
    """What a page answers without a valid session: an HTTP redirect, before any content."""
    return RedirectResponse("/login", status_code=303)


async def open_session(runtime: Runtime) -> Session | None:
    """The page's session, or None when the browser must log in (again)."""
    browser = browser_id()
    token = _tokens.get(browser)
    if token is not None:
        try:
            return Session(runtime, browser, await authenticate(runtime.ctx, token))
        except Unauthenticated:
            _tokens.pop(browser, None)
    return None


def header(session: Session, title: str) -> None:
    """The bar on top of every page: where you are, where you can go, who you are."""
    with ui.header().classes("items-center gap-4 bg-slate-800"):
        ui.label("Mission Control").classes("text-lg font-bold")
        ui.link("Board", "/").classes("text-white")
        ui.link("Agents", "/agents").classes("text-white")
        if title not in ("Board", "Agents"):
            ui.label(title).classes("text-slate-300")
        ui.space()
        ui.label(f"{session.actor.label} ({session.actor.role})").mark("whoami")

        def leave() -> None:
            log_out()
            ui.navigate.to("/login")

        ui.button("Log out", on_click=leave).props("flat color=white")
