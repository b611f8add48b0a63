"""Logging in to the board: operator and viewer tokens, the link `serve` prints, bad tokens."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, Role
from mission_control.runtime import Runtime
from mission_control.services.auth import issue_token
from tests.support.server import OPERATOR_TOKEN

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def test_board_without_a_session_sends_the_browser_to_login(user: User) -> None:
    await user.open("/")
    await user.should_see(marker="login")
    await user.should_not_see(marker="column-ready")


async def test_operator_logs_in_with_the_link_serve_prints(user: User) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.should_see(marker="column-ready")
    await user.should_see(content=f"{OPERATOR.label} (operator)")


async def test_operator_logs_in_by_typing_the_token(user: User) -> None:
    await user.open("/login")
    user.find(marker="token").type(OPERATOR_TOKEN)
    user.find(marker="login").click()
    await user.should_see(marker="new-task", retries=50)


async def test_wrong_token_is_refused_with_a_reason(user: User) -> None:
    await user.open("/login")
    user.find(marker="token").type("mco_not_a_real_token")
    user.find(marker="login").click()
    await user.should_see("This token is not valid (unknown or revoked).")
    await user.open("/")
    await user.should_not_see(marker="column-ready")


async def test_viewer_sees_a_read_only_board(user: User, board_runtime: Runtime) -> None:
    token = await issue_token(board_runtime.ctx, Role.VIEWER, "watcher")
    await user.open(f"/login?token={token}")
    await user.should_see(marker="read-only")
    await user.should_see(marker="column-intake")
    await user.should_not_see(marker="new-task")


async def test_logging_out_ends_the_session(user: User) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.should_see(marker="column-ready")
    user.find("Log out").click()
    await user.should_see(marker="login")
    await user.open("/agents")
    await user.should_see(marker="login")
