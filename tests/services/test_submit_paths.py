"""submitForReview has two ways through: claims.py's one conditional UPDATE for the common case
(the holder hands in, no usage, no parent) and moves.py's general move for everything else.
Both must leave the same task row and announce the same Event, or the shortcut is a second rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from mission_control.domain.actors import Actor
from mission_control.models import Event, Task
from mission_control.services import claims, moves
from mission_control.store.context import Context
from tests.support.factories import add_agent, add_task

# What differs between two tasks by construction, not by the path taken.
OWN = {"id", "title", "created_at"}


async def claimed_pair(ctx: Context) -> tuple[Actor, int, int]:
    dev = await add_agent(ctx, wip_limit=2)
    first, second = await add_task(ctx, title="One"), await add_task(ctx, title="Two")
    for task in (first, second):
        await claims.claim_task(ctx, dev, task.id)
    return dev, first.id, second.id


async def row_of(task_id: int) -> dict[str, Any]:
    row = (await Task.filter(id=task_id).values())[0]
    return {k: v for k, v in row.items() if k not in OWN}


async def event_of(task_id: int) -> dict[str, Any]:
    event = await Event.filter(task_id=task_id).order_by("-id").first()
    assert event is not None
    return {
        "kind": event.kind,
        "actor": event.actor,
        "agent_name": event.agent_name,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "payload": event.payload,
    }


@pytest.mark.parametrize("result", ["All green: 14 files changed.", None])
async def test_the_shortcut_and_the_general_move_leave_the_same_row_and_event(
    ctx: Context, result: str | None
) -> None:
    dev, shortcut, general = await claimed_pair(ctx)

    await claims.submit_for_review(ctx, dev, shortcut, result)
    await moves.submit_for_review(ctx, dev, general, result)

    assert await row_of(shortcut) == await row_of(general)
    assert await event_of(shortcut) == await event_of(general)
