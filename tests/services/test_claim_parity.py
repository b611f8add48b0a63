"""Two shortcuts and the general move they stand in for.

claimNextTask writes its claim through store/claims.py's named SQL; claimTask and the other
paths that take a task write it through services/moves.py's claim move. submitForReview's
common case (the holder hands in, no usage, no parent) is one conditional UPDATE
(claims.submit_for_review); every other case is moves.py's submit move. Each pair must leave
the same task row (and agent row) and announce the same Event, or the shortcut is a second
rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from mission_control.domain.agents import ClaimOutcome
from mission_control.models import Agent, Event, Task
from mission_control.services import claims, moves, output
from mission_control.store.context import Context
from tests.support.factories import add_agent, add_task

# What differs between two tasks by construction, not by the path taken.
OWN = {"id", "title", "priority", "created_at"}


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


async def test_claim_next_and_the_claim_move_leave_the_same_rows_and_event(ctx: Context) -> None:
    dev = await add_agent(ctx, wip_limit=2)
    urgent = await add_task(ctx, title="Urgent", priority=1)
    later = await add_task(ctx, title="Later", priority=5)

    answer = await claims.claim_next(ctx, dev)  # the named SQL
    assert answer.outcome is ClaimOutcome.CLAIMED and answer.task is not None
    assert answer.task.id == urgent.id
    await claims.claim_task(ctx, dev, later.id)  # the claim move

    assert await row_of(urgent.id) == await row_of(later.id)
    assert await event_of(urgent.id) == await event_of(later.id)
    # The view handed back is the row as written.
    row = await Task.get(id=urgent.id)
    assert (answer.task.status, answer.task.version, answer.task.assignee) == (
        row.status,
        row.version,
        dev.name,
    )
    assert (answer.task.claimed_at, answer.task.lease_expires_at) == (
        row.claimed_at,
        row.lease_expires_at,
    )


async def test_both_claims_clear_the_output_tail_of_the_task_before(ctx: Context) -> None:
    dev = await add_agent(ctx, wip_limit=3)
    first = await add_task(ctx, title="First", priority=1)
    await claims.claim_task(ctx, dev, first.id)
    await output.report_output(ctx, dev, first.id, "building...\n")
    assert (await Agent.get(name=dev.name)).output_task_id == first.id

    await add_task(ctx, title="Second", priority=1)
    answer = await claims.claim_next(ctx, dev)

    assert answer.outcome is ClaimOutcome.CLAIMED
    agent = await Agent.get(name=dev.name)
    assert (agent.output_tail, agent.output_task_id, agent.output_at) == ("", None, None)


@pytest.mark.parametrize("result", ["All green: 14 files changed.", None])
async def test_the_hand_in_shortcut_and_the_submit_move_leave_the_same_row_and_event(
    ctx: Context, result: str | None
) -> None:
    dev = await add_agent(ctx, wip_limit=2)
    shortcut, general = await add_task(ctx, title="One"), await add_task(ctx, title="Two")
    for task in (shortcut, general):
        await claims.claim_task(ctx, dev, task.id)

    await claims.submit_for_review(ctx, dev, shortcut.id, result)  # one conditional UPDATE
    await moves.submit_for_review(ctx, dev, general.id, result)  # the submit move

    assert await row_of(shortcut.id) == await row_of(general.id)
    assert await event_of(shortcut.id) == await event_of(general.id)
