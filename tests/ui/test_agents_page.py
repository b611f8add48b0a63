"""The agent activity page: live badges, current work, quick actions, approvals, autonomy."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, Role, agent_actor
from mission_control.domain.agents import ApprovalStatus, ClaimOutcome
from mission_control.domain.control import AutonomyMode
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import agents, approvals, claims, control
from mission_control.services.auth import issue_token
from mission_control.store import queries
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_board import WAIT, add_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def card_shows(user: User, name: str, *texts: str) -> None:
    """Wait until the agent's card shows every text (a live redraw may replace the card)."""
    for _ in range(WAIT):
        try:
            with user.scope(marker=f"agent-{name}"):
                for text in texts:
                    await user.should_see(text, retries=1)
            return
        except AssertionError:
            await asyncio.sleep(0.1)
    with user.scope(marker=f"agent-{name}"):
        for text in texts:
            await user.should_see(text, retries=1)


async def open_agents(user: User, token: str = OPERATOR_TOKEN) -> None:
    await user.open(f"/login?token={token}")
    await user.open("/agents")
    await user.should_see(marker="autonomy-paused")


async def working_agent(runtime: Runtime, name: str = "dev") -> int:
    """An agent holding a task at 40%; returns the task id."""
    task = await add_task(runtime, f"Job for {name}")
    await agents.register_agent(runtime.ctx, OPERATOR, name)
    actor = agent_actor(name)
    await claims.claim_task(runtime.ctx, actor, task.id)
    await claims.report_progress(runtime.ctx, actor, task.id, 40)
    await agents.heartbeat(runtime.ctx, actor)
    return task.id


async def test_agent_card_shows_badge_current_task_elapsed_time_and_progress(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    await agents.register_agent(board_runtime.ctx, OPERATOR, "idler")
    await agents.heartbeat(board_runtime.ctx, agent_actor("idler"))
    await open_agents(user)
    await card_shows(user, "dev", "🟢 working", f"#{task_id} Job for dev", "40%")
    await card_shows(user, "idler", "⚪ idle", "no task")
    await user.should_see(marker="elapsed-dev")
    await user.should_see(kind=ui.linear_progress)


async def test_badge_changes_live_when_the_agent_finishes(
    user: User, board_runtime: Runtime
) -> None:
    from mission_control.services import moves

    task_id = await working_agent(board_runtime)
    await open_agents(user)
    await user.should_see("🟢 working")
    await moves.submit_for_review(board_runtime.ctx, agent_actor("dev"), task_id, "done")
    await agents.heartbeat(board_runtime.ctx, agent_actor("dev"))
    await card_shows(user, "dev", "⚪ idle", "no task")


async def test_pause_and_resume_an_agent(user: User, board_runtime: Runtime) -> None:
    await working_agent(board_runtime)
    await open_agents(user)
    user.find("Pause").click()
    await user.should_see("⏸ paused", retries=WAIT)
    assert (await agents.get_agent("dev", board_runtime.ctx)).paused
    user.find("Resume").click()
    await user.should_not_see("⏸ paused", retries=WAIT)
    assert not (await agents.get_agent("dev", board_runtime.ctx)).paused


async def test_cancel_puts_the_agents_task_back_in_ready(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    await open_agents(user)
    user.find(marker="cancel-dev").click()
    await card_shows(user, "dev", "no task")
    task = await queries.get_task(task_id)
    assert (task.status, task.assignee) == (TaskStatus.READY, None)


async def test_reassign_moves_the_task_to_another_agent(user: User, board_runtime: Runtime) -> None:
    task_id = await working_agent(board_runtime)
    await agents.register_agent(board_runtime.ctx, OPERATOR, "helper")
    await open_agents(user)
    await user.should_see(marker="reassign-dev", retries=WAIT)
    user.find(marker="reassign-dev").click()
    user.find(marker="reassign-to").type("nobody")
    user.find(marker="reassign-confirm").click()
    await user.should_see("nobody", retries=WAIT)
    assert (await queries.get_task(task_id)).status is TaskStatus.IN_PROGRESS
    await user.should_see(marker="reassign-dev", retries=WAIT)
    user.find(marker="reassign-dev").click()
    user.find(marker="reassign-to").clear().type("helper")
    user.find(marker="reassign-confirm").click()
    await card_shows(user, "dev", "no task")
    task = await queries.get_task(task_id)
    assert task.status is TaskStatus.READY
    assert task.assignee is not None and task.assignee.name == "helper"


async def test_autonomy_switch_pauses_every_pickup(user: User, board_runtime: Runtime) -> None:
    await open_agents(user)
    user.find(marker="autonomy-paused").click()
    for _ in range(WAIT):
        if (await control.get_autonomy(board_runtime.ctx)).paused:
            break
        await user.should_see(marker="autonomy-paused")
    assert (await control.get_autonomy(board_runtime.ctx)).paused


async def test_operator_grants_and_declines_pickups_in_manual_mode(
    user: User, board_runtime: Runtime
) -> None:
    await control.set_autonomy(board_runtime.ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    first = await add_task(board_runtime, "Wanted first", priority=1)
    await add_task(board_runtime, "Wanted second", priority=2)
    for name in ("alpha", "beta"):
        await agents.register_agent(board_runtime.ctx, OPERATOR, name)
    asked = [await claims.claim_next(board_runtime.ctx, agent_actor(n)) for n in ("alpha", "beta")]
    assert [claim.outcome for claim in asked] == [ClaimOutcome.AWAITING_APPROVAL] * 2
    grant, decline = (claim.approval for claim in asked)
    assert grant is not None and decline is not None
    await open_agents(user)
    await user.should_see(marker=f"approval-{grant.id}")
    user.find(marker=f"approve-{grant.id}").click()
    await user.should_not_see(marker=f"approval-{grant.id}", retries=WAIT)
    user.find(marker=f"decline-{decline.id}").click()
    await user.should_not_see(marker=f"approval-{decline.id}", retries=WAIT)
    assert await approvals.list_approvals() == []
    statuses = {a.id: a.status for a in await approvals.list_approvals(None)}
    assert statuses == {grant.id: ApprovalStatus.GRANTED, decline.id: ApprovalStatus.DECLINED}
    task = await queries.get_task(first.id)
    assert task.status is TaskStatus.IN_PROGRESS


async def test_viewer_sees_agents_without_actions(user: User, board_runtime: Runtime) -> None:
    await working_agent(board_runtime)
    token = await issue_token(board_runtime.ctx, Role.VIEWER, "watcher")
    await open_agents(user, token)
    await user.should_see(marker="agent-dev")
    await user.should_not_see("Pause")
    await user.should_not_see(marker="cancel-dev")


async def test_elapsed_time_ticks_without_a_reload(user: User, board_runtime: Runtime) -> None:
    await working_agent(board_runtime)
    await open_agents(user)
    await user.should_see(marker="elapsed-dev")
    (label,) = user.find(marker="elapsed-dev").elements
    first = label.text  # type: ignore[attr-defined]
    for _ in range(50):  # the page's one-second timer; poll the label with a 5 s deadline
        (label,) = user.find(marker="elapsed-dev").elements
        if label.text != first:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.1)
    assert label.text != first  # type: ignore[attr-defined]
