"""Live updates: bursts coalesce into few flushes, and only the cards that changed are redrawn."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import tasks
from mission_control.ui.live import LiveFeed
from tests.ui.test_board import WAIT, add_task, log_in, sees_card_in

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def test_a_burst_of_events_reaches_the_page_in_one_flush(board_runtime: Runtime) -> None:
    batches: list[list[EventRecord]] = []
    first_flush_running, release = asyncio.Event(), asyncio.Event()
    everything = asyncio.Event()

    async def flush(events: list[EventRecord]) -> None:
        batches.append(events)
        first_flush_running.set()
        if len(batches) == 1:
            await release.wait()  # the page is busy drawing while the burst arrives
        if sum(len(batch) for batch in batches) >= 51 * 2:
            everything.set()

    feed = LiveFeed(board_runtime.hub, flush, since=board_runtime.hub.cursor)
    feed.start()
    try:
        await add_task(board_runtime, "First")
        await first_flush_running.wait()
        for n in range(50):
            await add_task(board_runtime, f"Burst {n}")
        release.set()
        await asyncio.wait_for(everything.wait(), 30)
    finally:
        await feed.stop()
    assert [len(batch) for batch in batches] == [2, 100], "created + triaged per task"
    assert feed.flushes == 2


async def test_a_change_redraws_its_own_card_and_leaves_the_others_alone(
    user: User, board_runtime: Runtime
) -> None:
    still = await add_task(board_runtime, "Stays as it is")
    moving = await add_task(board_runtime, "Gets a new title")
    await log_in(user)
    await sees_card_in(user, TaskStatus.READY, still.id)
    (untouched,) = user.find(marker=f"card-{still.id}").elements
    drawn_before = list(untouched)
    await tasks.update_task(
        board_runtime.ctx, OPERATOR, moving.id, tasks.TaskEdit(title="A new title")
    )
    await user.should_see("A new title", retries=WAIT)
    (after,) = user.find(marker=f"card-{still.id}").elements
    assert after is untouched
    assert list(after) == drawn_before, "the unchanged card's contents were not rebuilt"
