"""Who is looking at the page: a board session checked by the services on every page and click.

The browser holds only a random session id in an HttpOnly cookie (Secure with
MC_SECURE_COOKIES); the session lives in the database (services/sessions.py), so several
processes and restarts keep people logged in. Each page load and each button re-authenticates
the session's token, so a revoked token stops working at the next click, not at the next login.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from nicegui import ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import MissionControlError, Unauthenticated
from mission_control.runtime import Runtime
from mission_control.services import sessions
from mission_control.services.auth import hash_token
from mission_control.ui.theme import apply_theme

log = logging.getLogger(__name__)

T = TypeVar("T")


def _cookie() -> str | None:
    request: Request | None = getattr(ui.context.client, "request", None)
    return request.cookies.get(sessions.SESSION_COOKIE) if request is not None else None


async def log_in(runtime: Runtime, token: str) -> str:
    """Check a typed token and return a one-time code that opens the session over HTTP
    (only an HTTP response can set the HttpOnly cookie)."""
    token = token.strip()
    actor = await _board_actor(runtime, token)
    del actor
    return await sessions.create_login_code(runtime.ctx, hash_token(token))


async def _board_actor(runtime: Runtime, token: str) -> Actor:
    from mission_control.services.auth import authenticate

    actor = await authenticate(runtime.ctx, token or None)
    if actor.role is Role.AGENT:
        raise Unauthenticated("This is an agent's token; the board needs an operator or viewer.")
    return actor


async def session_response(runtime: Runtime, token_hash: str) -> RedirectResponse:
    """Open a fresh session (a new id at every login) and answer with its cookie."""
    session_id, actor = await sessions.start_session(runtime.ctx, token_hash)
    if actor.role is Role.AGENT:
        await sessions.end_session(session_id)
        raise Unauthenticated("This is an agent's token; the board needs an operator or viewer.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        session_id,
        max_age=int(runtime.settings.session_hours * 3600),
        httponly=True,
        secure=runtime.settings.secure_cookies,
        samesite="lax",
    )
    return response


async def log_out(session: Session | None = None) -> None:
    await sessions.end_session(session.session_id if session else _cookie())


@dataclass
class Session:
    """The runtime and the session a page was built for; every action goes through `run`."""

    runtime: Runtime
    session_id: str
    actor: Actor

    @property
    def can_write(self) -> bool:
        return self.actor.role is not Role.VIEWER

    async def current_actor(self) -> Actor | None:
        """The actor the session's token stands for now, or None (logged out or revoked)."""
        try:
            return await sessions.session_actor(self.runtime.ctx, self.session_id)
        except Unauthenticated:
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
    session_id = _cookie()
    if not session_id:
        return None
    try:
        actor = await sessions.session_actor(runtime.ctx, session_id)
    except Unauthenticated:
        return None
    return Session(runtime, session_id, actor)


def header(session: Session, title: str) -> None:
    """The bar on top of every page: where you are, where you can go, who you are."""
    apply_theme()
    with ui.header().classes("mc-header items-center gap-4 bg-slate-800"):
        ui.label("Mission Control").classes("text-lg font-bold")
        ui.link("Board", "/").classes("text-white")
        ui.link("Agents", "/agents").classes("text-white")
        ui.link("Charts", "/charts").classes("text-white").mark("nav-charts")
        # A plain link: /graphql is not a NiceGUI page, so the browser loads it afresh.
        ui.link("GraphQL", "/graphql", new_tab=True).classes("text-white").mark("nav-graphql")
        if title not in ("Board", "Agents", "Charts"):
            ui.label(title).classes("text-slate-300")
        ui.space()
        ui.label(f"{session.actor.label} ({session.actor.role})").mark("whoami")

        async def leave() -> None:
            await log_out(session)
            ui.navigate.to("/login")

        ui.button("Log out", on_click=leave).props("flat color=white")
