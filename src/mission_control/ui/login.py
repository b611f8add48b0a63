"""The login page: a token typed in, or passed as ?token= by the link `serve` prints."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.errors import Unauthenticated
from mission_control.runtime import Runtime
from mission_control.ui.session import log_in


def register_login(runtime: Runtime) -> None:
    @ui.page("/login", title="Mission Control · log in")
    async def login_page(token: str | None = None) -> RedirectResponse | None:
        if token:
            try:
                await log_in(runtime, token)
            except Unauthenticated as error:
                ui.notify(error.message, type="negative")
            else:
                return RedirectResponse("/", status_code=303)

        async def submit() -> None:
            try:
                await log_in(runtime, field.value or "")
            except Unauthenticated as error:
                problem.set_text(error.message)
                problem.set_visibility(True)
                return
            ui.navigate.to("/")

        with ui.card().classes("absolute-center w-96"):
            ui.label("Mission Control").classes("text-xl font-bold")
            field = ui.input("Operator or viewer token", password=True).mark("token")
            field.on("keydown.enter", submit)
            problem = ui.label("").classes("text-negative").mark("login-error")
            problem.set_visibility(False)
            ui.button("Log in", on_click=submit).mark("login")
        return None
