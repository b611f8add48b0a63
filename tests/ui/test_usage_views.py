"""Usage, budget pauses and stuck work as the operator sees them: agents page, task page, board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.usage import clean_usage
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import agents, claims
from mission_control.services.budgets import set_agent_budget
from mission_control.services.stuck import watch_stuck
from mission_control.services.usage_reports import report_usage
from mission_control.store.context import Context
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_agents_page import card_shows, open_agents
from tests.ui.test_board import WAIT, add_task, sees_card_in
from tests.ui.test_task_page import open_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def test_agents_page_and_task_page_show_usage_and_the_budget_pause(
    user: User, board_runtime: Runtime
) -> None:
    ctx = board_runtime.ctx
    await agents.register_agent(ctx, OPERATOR, "dev")
    await set_agent_budget(ctx, OPERATOR, "dev", tokens=1000)
    task = await add_task(board_runtime, "Port the parser")
    await claims.claim_task(ctx, agent_actor("dev"), task.id)
    await report_usage(ctx, agent_actor("dev"), task.id, clean_usage(1200, 0.25, "big"))

    await open_agents(user)
    await card_shows(user, "dev", "today: 1,200 / 1,000 tokens · $0.25 · 1 report")
    await user.should_see(marker="budget-paused-dev")
    await user.should_see("daily token budget of 1,000 is used up", retries=WAIT)

    await set_agent_budget(ctx, OPERATOR, "dev", tokens=5000)  # live: the pause line goes
    await card_shows(user, "dev", "today: 1,200 / 5,000 tokens")
    await user.should_not_see(marker="budget-paused-dev", retries=WAIT)

    await open_task(user, task.id)
    await user.should_see("usage: 1,200 tokens · $0.25 · 1 report")


async def test_a_stuck_task_gets_a_badge_on_its_card_live_and_loses_it_on_a_report(
    user: User, board_runtime: Runtime
) -> None:
    ctx = board_runtime.ctx
    await agents.register_agent(ctx, OPERATOR, "dev")
    task = await add_task(board_runtime, "Long haul")
    await claims.claim_task(ctx, agent_actor("dev"), task.id)
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await sees_card_in(user, TaskStatus.IN_PROGRESS, task.id)
    await user.should_not_see(marker=f"stuck-{task.id}")

    an_hour_later = ctx.clock() + timedelta(hours=1)
    later = Context(ctx.settings, publisher=board_runtime.hub, clock=lambda: an_hour_later)
    assert [kind for _, kind in await watch_stuck(later)] == ["stuck"]
    await user.should_see(marker=f"stuck-{task.id}", retries=WAIT)

    await claims.report_progress(later, agent_actor("dev"), task.id, 50)
    await watch_stuck(later)
    await user.should_not_see(marker=f"stuck-{task.id}", retries=WAIT)
