"""The login page: a token typed in, a one-time code from the link `serve` prints, or (for
scripts) ?token=, which the access log masks. Every way ends in one HTTP redirect that sets a
fresh session cookie."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.errors import Unauthenticated
from mission_control.runtime import Runtime
from mission_control.services import sessions
from mission_control.services.auth import hash_token
from mission_control.ui.session import log_in, session_response
from mission_control.ui.theme import apply_theme


def register_login(runtime: Runtime) -> None:
    @ui.page("/login", title="Mission Control · log in")
    async def login_page(
        token: str | None = None, code: str | None = None
    ) -> RedirectResponse | None:
        try:
            if code:
                return await session_response(
                    runtime, await sessions.redeem_login_code(runtime.ctx, code)
                )
            if token:
                return await session_response(runtime, hash_token(token.strip()))
        except Unauthenticated as error:
            ui.notify(error.message, type="negative")

        async def submit() -> None:
            try:
                one_time = await log_in(runtime, field.value or "")
            except Unauthenticated as error:
                problem.set_text(error.message)
                problem.set_visibility(True)
                return
            ui.navigate.to(f"/login?code={one_time}")

        apply_theme()
        with ui.card().classes("absolute-center w-96 max-w-[92vw]"):
            ui.label("Mission Control").classes("text-xl font-bold")
            field = ui.input("Operator or viewer token", password=True).mark("token")
            field.on("keydown.enter", submit)
            problem = ui.label("").classes("text-negative").mark("login-error")
            problem.set_visibility(False)
            ui.button("Log in", on_click=submit).mark("login")
        return None
