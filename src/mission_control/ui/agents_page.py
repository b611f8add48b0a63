"""The agent activity page (filled in once the agents services land)."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.runtime import Runtime
from mission_control.ui.session import header, open_session, to_login


def register_agents(runtime: Runtime) -> None:
    @ui.page("/agents", title="Mission Control · agents")
    async def agents_page() -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, "Agents")
        return None
