"""The charts page: the flow figures of tasks moved through their statuses, redrawn live."""

from __future__ import annotations

from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event
from mission_control.runtime import Runtime
from mission_control.services import agents, claims, moves, supervision
from mission_control.store import queries
from mission_control.ui.charts_page import FIGURES
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_board import WAIT, add_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


def chart(user: User, key: str) -> dict[str, Any]:
    (element,) = user.find(marker=f"chart-{key}").elements
    assert isinstance(element, ui.echart)
    return element.options


def today(options: dict[str, Any]) -> dict[str, int]:
    """The last day of each series (the cumulative flow's today)."""
    return {series["name"]: series["data"][-1] for series in options["series"]}


async def worked(runtime: Runtime) -> None:
    """dev finishes two api tasks, ops finishes one ui task and fails one, one waits in review."""
    await agents.register_agent(runtime.ctx, OPERATOR, "dev", skills=["api"])
    await agents.register_agent(runtime.ctx, OPERATOR, "ops", skills=["ui"])
    for title, agent, tag in (("a", "dev", "api"), ("b", "dev", "api"), ("c", "ops", "ui")):
        task = await add_task(runtime, title, tags=[tag])
        await claims.claim_task(runtime.ctx, agent_actor(agent), task.id)
        await moves.submit_for_review(runtime.ctx, agent_actor(agent), task.id, "ok")
        await moves.approve_task(runtime.ctx, OPERATOR, task.id)
    failing = await add_task(runtime, "d", tags=["ui"])
    await claims.claim_task(runtime.ctx, agent_actor("ops"), failing.id)
    await supervision.fail_attempt(runtime.ctx, agent_actor("ops"), failing.id, "boom")
    review = await add_task(runtime, "e", tags=["api"])
    await claims.claim_task(runtime.ctx, agent_actor("dev"), review.id)
    await moves.submit_for_review(runtime.ctx, agent_actor("dev"), review.id, "ok")
    await add_task(runtime, "f", priority=None)  # incomplete: stays in intake


async def open_charts(user: User) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.open("/charts")
    await user.should_see(marker="chart-flow")


async def test_charts_show_the_flow_of_tasks_moved_through_their_statuses(
    user: User, board_runtime: Runtime
) -> None:
    await worked(board_runtime)
    await open_charts(user)
    await user.should_see("3 done, 0 lease expiries, 1 failed attempts in the last 14 days")
    assert today(chart(user, "flow")) == {
        "intake": 1,
        "ready": 1,
        "in_progress": 0,
        "review": 1,
        "blocked": 0,
        "done": 3,
        "cancelled": 0,
    }
    assert len(chart(user, "flow")["xAxis"]["data"]) == 14
    assert today(chart(user, "throughput")) == {"done": 3}
    assert chart(user, "cycle-agent")["yAxis"]["data"] == ["dev (2)", "ops (1)"]
    assert chart(user, "cycle-tag")["yAxis"]["data"] == ["api (2)", "ui (1)"]
    assert today(chart(user, "trouble")) == {"lease expiries": 0, "failed attempts": 1}


async def test_charts_follow_events_live_and_the_window_can_change(
    user: User, board_runtime: Runtime
) -> None:
    await worked(board_runtime)
    await open_charts(user)
    await user.should_see("3 done,")
    (review,) = await _tasks_in_review(board_runtime)
    await moves.approve_task(board_runtime.ctx, OPERATOR, review)
    await user.should_see("4 done,", retries=WAIT)
    assert today(chart(user, "flow"))["done"] == 4
    assert today(chart(user, "flow"))["review"] == 0
    user.find(marker="chart-window").elements.pop().set_value(7)
    await user.should_see("in the last 7 days", retries=WAIT)
    assert len(chart(user, "throughput")["xAxis"]["data"]) == 7


async def test_the_board_header_links_to_the_charts(user: User) -> None:
    await user.open(f"/login?token={OPERATOR_TOKEN}")
    await user.open("/")
    user.find(marker="nav-charts").click()
    await user.should_see(marker="chart-flow", retries=WAIT)


async def _tasks_in_review(runtime: Runtime) -> list[int]:
    page = await queries.list_tasks(queries.TaskQuery(statuses=[TaskStatus.REVIEW]))
    return [task.id for task in page.tasks]


async def settled(runtime: Runtime) -> None:
    """Await the hub's fan-out of the last Event written (its cursor is then past it)."""
    last = await Event.all().order_by("-id").first()
    assert last is not None
    async for event in runtime.hub.subscribe(last.id - 1):
        if event.id == last.id:
            return


async def test_pages_share_one_computation_per_event(board_runtime: Runtime) -> None:
    await worked(board_runtime)
    await settled(board_runtime)
    before = FIGURES.computations
    first = await FIGURES.report(board_runtime, 7)
    assert await FIGURES.report(board_runtime, 7) is first  # a second page, nothing new
    assert FIGURES.computations == before + 1
    await add_task(board_runtime, "one more")
    await settled(board_runtime)
    assert await FIGURES.report(board_runtime, 7) is not first
