"""The operator's browser window: NiceGUI pages served by the same ASGI app as GraphQL."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from nicegui import ui

from mission_control.runtime import Runtime
from mission_control.ui.agents_page import register_agents
from mission_control.ui.board_page import register_board
from mission_control.ui.charts_page import register_charts
from mission_control.ui.login import register_login
from mission_control.ui.task_page import register_task


def register_pages(runtime: Runtime) -> None:
    """Declare every page for this runtime (tests call this from their NiceGUI main file)."""
    register_login(runtime)
    register_board(runtime)
    register_task(runtime)
    register_agents(runtime)
    register_charts(runtime)


def mount(app: FastAPI, runtime: Runtime) -> None:
    """Add the pages under `/`, after the app's explicit routes so those still win."""
    register_pages(runtime)
    ui.run_with(
        app,
        title="Mission Control",
        # Board sessions live in the database (services/sessions.py) under their own cookie;
        # NiceGUI's storage is not used for authentication, so a per-process secret is fine.
        storage_secret=secrets.token_urlsafe(32),
        show_welcome_message=False,
        favicon="🛰️",
    )
