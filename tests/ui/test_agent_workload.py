"""An agent card says how much the agent has on its plate in the pickup rule's words: tasks in
progress against its WIP limit, then what is queued for it, never a bare "load 100%" for an
agent that holds nothing."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, tasks
from mission_control.services.agents import Workload
from mission_control.ui.agent_cards import workload_text
from tests.ui.test_agents_page import card_shows, open_agents
from tests.ui.test_board import add_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


def test_the_workload_reads_as_tasks_in_progress_of_the_wip_limit() -> None:
    assert workload_text(Workload(held=0, queued=0, wip_limit=1)) == "0 of 1 WIP"
    assert workload_text(Workload(held=2, queued=0, wip_limit=3)) == "2 of 3 WIP"
    assert workload_text(Workload(held=0, queued=1, wip_limit=1)) == "0 of 1 WIP · 1 queued"


async def test_an_agent_holding_nothing_with_a_task_assigned_is_not_shown_as_full(
    user: User, board_runtime: Runtime
) -> None:
    ctx = board_runtime.ctx
    await agents.register_agent(ctx, OPERATOR, "dev")
    task = await add_task(board_runtime, "Waiting for dev")
    await tasks.assign_task(ctx, OPERATOR, task.id, "dev")
    assert (await agents.get_agent("dev", ctx)).current_load == 100, "routing sees it as taken"
    await open_agents(user)
    await card_shows(user, "dev", "0 of 1 WIP · 1 queued")
    with user.scope(marker="agent-dev"):
        await user.should_not_see("load 100%")

    await claims.claim_task(ctx, agent_actor("dev"), task.id)
    await card_shows(user, "dev", "1 of 1 WIP")
    (shown,) = user.find(marker="workload-dev").elements
    assert isinstance(shown, ui.label) and shown.text == "1 of 1 WIP", "nothing queued now"


async def test_an_agent_with_room_shows_what_it_holds_of_its_limit(
    user: User, board_runtime: Runtime
) -> None:
    ctx = board_runtime.ctx
    await agents.register_agent(ctx, OPERATOR, "wide", wip_limit=3)
    await agents.register_agent(ctx, OPERATOR, "idle")
    dev = agent_actor("wide")
    for title in ("One", "Two"):
        await claims.claim_task(ctx, dev, (await add_task(board_runtime, title)).id)
    await open_agents(user)
    await card_shows(user, "wide", "2 of 3 WIP")
    await card_shows(user, "idle", "0 of 1 WIP")
