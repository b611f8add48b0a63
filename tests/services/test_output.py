"""services/output.py: an agent's command output, kept as a bounded tail with one OUTPUT Event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.domain.actors import OPERATOR, Actor, Role
from mission_control.domain.errors import Forbidden, MissionControlError, NotFound, ValidationFailed
from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.output import CHUNK_CHARS, TAIL_CHARS, TAIL_LINES
from mission_control.models import Agent, Event, Task
from mission_control.services.claims import claim_next, claim_task
from mission_control.services.moves import submit_for_review
from mission_control.services.output import output_tails, report_output
from mission_control.services.stuck import clear_on_report, watch_stuck
from mission_control.store.context import Context
from mission_control.store.journal import to_record
from tests.services.events import event_count
from tests.support.factories import add_agent, add_task
from tests.support.service_context import clock_of, open_ctx


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Context]:
    async for context in open_ctx(str(request.param), tmp_path):
        yield context


async def holding(ctx: Context, name: str = "dev") -> tuple[Actor, int]:
    dev = await add_agent(ctx, name)
    task = await add_task(ctx, f"Job for {name}")
    await claim_task(ctx, dev, task.id)
    return dev, task.id


async def agent_row(name: str = "dev") -> Agent:
    return await Agent.get(name=name)


async def test_output_lines_are_appended_to_the_agents_tail(ctx: Context) -> None:
    dev, task_id = await holding(ctx)

    await report_output(ctx, dev, task_id, "compiling\nlinking\n")
    shown = await report_output(ctx, dev, task_id, "tests: 12 passed")

    assert shown.lines == ["compiling", "linking", "tests: 12 passed"]
    row = await agent_row()
    assert (row.output_tail, row.output_task_id) == (shown.tail, task_id)
    assert (await output_tails(["dev"]))["dev"].lines == shown.lines


async def test_the_tail_keeps_the_last_200_lines_and_16000_characters(ctx: Context) -> None:
    dev, task_id = await holding(ctx)
    for start in range(0, 1000, 100):
        await report_output(
            ctx, dev, task_id, "\n".join(f"line {n}" for n in range(start, start + 100))
        )
    assert (await agent_row()).output_tail.split("\n") == [f"line {n}" for n in range(800, 1000)]

    wide = "x" * 150
    for _ in range(40):
        await report_output(ctx, dev, task_id, "\n".join([wide] * 50))
    tail = (await agent_row()).output_tail
    assert len(tail) <= TAIL_CHARS and len(tail.split("\n")) <= TAIL_LINES
    assert tail.split("\n")[0] == wide, "cut at whole lines"


async def test_each_report_supersedes_the_agents_previous_output_event(ctx: Context) -> None:
    dev, task_id = await holding(ctx)
    other, other_task = await holding(ctx, "other")
    await report_output(ctx, other, other_task, "other's line")

    for n in range(50):
        await report_output(ctx, dev, task_id, f"line {n}")

    outputs = await Event.filter(kind=str(EventKind.OUTPUT)).order_by("id")
    assert [(e.agent_name, e.payload["lines"]) for e in outputs] == [
        ("other", "other's line"),
        ("dev", "line 49"),
    ]
    assert outputs[1].task_id is None and outputs[1].payload["holding"] == task_id
    assert (await agent_row()).output_event_id == outputs[1].id


async def test_claiming_a_new_task_clears_the_tail(ctx: Context) -> None:
    dev, task_id = await holding(ctx)
    await report_output(ctx, dev, task_id, "old work")
    await submit_for_review(ctx, dev, task_id, "done")
    assert (await agent_row()).output_tail == "old work", "kept for the operator after hand-in"
    await add_task(ctx, "Next job")

    claim = await claim_next(ctx, dev)

    assert claim.task is not None
    row = await agent_row()
    assert (row.output_tail, row.output_task_id) == ("", None)
    shown = await report_output(ctx, dev, claim.task.id, "new work")
    assert shown.lines == ["new work"]


@pytest.mark.parametrize(
    ("who", "chunk", "task", "error"),
    [
        ("dev", "x" * (CHUNK_CHARS + 1), "own", ValidationFailed),
        ("dev", "", "own", ValidationFailed),
        ("dev", "\n\n", "own", ValidationFailed),
        ("dev", "red \x1b[31malert", "own", ValidationFailed),
        ("dev", "nul \x00", "own", ValidationFailed),
        ("dev", "not mine", "other's", Forbidden),
        ("dev", "not held", "ready", Forbidden),
        ("dev", "nowhere", "missing", NotFound),
        ("viewer", "a viewer", "own", Forbidden),
        ("operator", "the operator", "own", Forbidden),
    ],
    ids=[
        "oversized",
        "empty",
        "blank",
        "ansi escape",
        "nul",
        "another agent's task",
        "a ready task",
        "no such task",
        "viewer",
        "operator",
    ],
)
async def test_bad_output_is_refused_and_changes_nothing(
    ctx: Context, who: str, chunk: str, task: str, error: type[MissionControlError]
) -> None:
    dev, own = await holding(ctx)
    other, others = await holding(ctx, "other")
    await report_output(ctx, dev, own, "before")
    await report_output(ctx, other, others, "other's")
    ready = await add_task(ctx, "Nobody's yet")
    actors = {"dev": dev, "viewer": Actor(Role.VIEWER, "watcher"), "operator": OPERATOR}
    task_ids = {"own": own, "other's": others, "ready": ready.id, "missing": 9999}
    events, rows = await event_count(), await Agent.all().order_by("id").values()

    with pytest.raises(error):
        await report_output(ctx, actors[who], task_ids[task], chunk)

    assert await event_count() == events
    assert await Agent.all().order_by("id").values() == rows


async def test_output_is_a_sign_of_life_for_the_stuck_check(ctx: Context) -> None:
    clock = clock_of(ctx)
    dev, task_id = await holding(ctx)
    clock.advance(minutes=40)
    await report_output(ctx, dev, task_id, "still compiling")
    clock.advance(minutes=40)
    assert await watch_stuck(ctx) == []

    clock.advance(minutes=10)
    assert await watch_stuck(ctx) == [(task_id, EventKind.STUCK)]
    clock.advance(seconds=1)
    await report_output(ctx, dev, task_id, "linking")
    (event,) = await Event.filter(kind=str(EventKind.OUTPUT))
    await clear_on_report(ctx, replay(to_record(event)))
    assert (await Task.get(id=task_id)).stuck_since is None


async def replay(*records: EventRecord) -> AsyncIterator[EventRecord]:
    for record in records:
        yield record
