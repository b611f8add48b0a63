"""The automation scheduler against a real SQLite file, with a clock the test moves."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR, agent_actor
from mission_control.domain.events import EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event, Task
from mission_control.services import agents, claims, moves
from mission_control.services.automation import follow, run_automation
from mission_control.services.dependencies import add_dependency
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.journal import to_record
from tests.support.databases import database_url, forget_cached_queries
from tests.support.inprocess import StatementLog

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """The same scenarios on a SQLite file and on a fresh PostgreSQL database."""
    async with database_url(str(request.param), tmp_path) as url:
        yield Settings(database_url=url)


@pytest.fixture
async def clock(settings: Settings) -> AsyncIterator[Clock]:
    await open_database(settings)
    try:
        yield Clock()
    finally:
        await close_database()
        forget_cached_queries()


def context(settings: Settings, clock: Clock) -> Context:
    return Context(settings, clock=clock)


async def submitted_task(ctx: Context, tags: list[str], title: str = "Fix typo") -> Task:
    """A complete task, claimed by an agent and handed in for review."""
    task = await create_task(ctx, OPERATOR, TaskDraft(title, "In the README", 3, tags))
    await agents.register_agent(ctx, OPERATOR, f"dev-{task.id}")
    dev = agent_actor(f"dev-{task.id}")
    await claims.claim_task(ctx, dev, task.id)
    return await moves.submit_for_review(ctx, dev, task.id, "done")


async def automatic_approvals(task_id: int) -> list[Event]:
    return await Event.filter(task_id=task_id, kind="approved", actor="automation")


async def test_auto_approve_waits_the_full_delay_then_fires_once(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    task = await submitted_task(ctx, ["auto-approve"])

    clock.now = START + DAY - timedelta(seconds=1)
    assert await run_automation(ctx) == []
    assert (await Task.get(id=task.id)).status is TaskStatus.REVIEW

    clock.now = START + DAY
    made = await run_automation(ctx)
    assert [(m.task_id, m.target) for m in made] == [(task.id, TaskStatus.DONE)]
    assert (await Task.get(id=task.id)).status is TaskStatus.DONE

    clock.now = START + 3 * DAY
    assert await run_automation(ctx) == []
    events = await automatic_approvals(task.id)
    assert len(events) == 1
    assert events[0].payload["reason"] == "review → done: tagged auto-approve and 24 h in review"
    assert events[0].created_at == START + DAY


async def test_auto_approve_survives_a_restart_between_submission_and_due_time(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    task = await submitted_task(ctx, ["auto-approve"])
    clock.now = START + timedelta(hours=20)
    assert await run_automation(ctx) == []

    await close_database()  # the server stops; nothing of the scheduler stays in memory

    async def next_life() -> None:
        """A new process: the database reopened from its file, a new scheduler."""
        await open_database(settings)
        try:
            restarted = Context(settings, clock=clock)
            clock.now = START + timedelta(hours=23)
            assert await run_automation(restarted) == []
            assert (await Task.get(id=task.id)).status is TaskStatus.REVIEW

            clock.now = START + DAY + timedelta(minutes=1)
            assert len(await run_automation(restarted)) == 1
            assert len(await run_automation(restarted)) == 0
            assert len(await automatic_approvals(task.id)) == 1
        finally:
            await close_database()
            forget_cached_queries()

    # A fresh contextvars context, as a new process has: Tortoise keeps its current database
    # in a context variable that would still point at the closed one.
    await asyncio.create_task(next_life(), context=contextvars.Context())


async def test_the_delay_restarts_when_rejected_work_comes_back_for_review(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    task = await submitted_task(ctx, ["auto-approve"])
    clock.now = START + timedelta(hours=23)
    await moves.reject_task(ctx, OPERATOR, task.id, "Also fix the second typo")
    await moves.submit_for_review(ctx, agent_actor(f"dev-{task.id}"), task.id, "both fixed")

    clock.now = START + DAY + timedelta(hours=1)
    assert await run_automation(ctx) == []
    clock.now = START + timedelta(hours=23) + DAY
    assert len(await run_automation(ctx)) == 1


async def test_a_task_with_an_instant_tag_is_approved_on_the_next_run(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    trivial = await submitted_task(ctx, ["trivial"], "Bump version")
    untagged = await submitted_task(ctx, [], "Rewrite parser")

    made = await run_automation(ctx)

    assert [m.task_id for m in made] == [trivial.id]
    assert (await Task.get(id=untagged.id)).status is TaskStatus.REVIEW
    (event,) = await automatic_approvals(trivial.id)
    assert event.payload["reason"] == "review → done: tagged trivial, approved on submission"


async def test_a_blocked_task_returns_to_ready_when_its_dependency_is_done(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    schema = await submitted_task(ctx, [], "Design the schema")
    api = await create_task(ctx, OPERATOR, TaskDraft("Build the API", "On the schema", 2))
    await add_dependency(ctx, OPERATOR, api.id, schema.id)
    await moves.block_task(ctx, OPERATOR, api.id, "the schema is not settled")

    assert await run_automation(ctx) == []
    await moves.approve_task(ctx, OPERATOR, schema.id)
    made = await run_automation(ctx)

    assert [(m.task_id, m.target) for m in made] == [(api.id, TaskStatus.READY)]
    (event,) = await Event.filter(task_id=api.id, kind="unblocked")
    assert event.actor == "automation"
    assert event.payload["reason"] == f"blocked → ready: every blocking task is done (#{schema.id})"


async def test_a_block_reason_naming_a_task_waits_for_that_task(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    review = await submitted_task(ctx, [], "Security review")
    deploy = await create_task(ctx, OPERATOR, TaskDraft("Deploy", "To production", 1))
    await moves.block_task(ctx, OPERATOR, deploy.id, f"waiting for #{review.id}")
    manual = await create_task(ctx, OPERATOR, TaskDraft("Call vendor", "About keys", 1))
    await moves.block_task(ctx, OPERATOR, manual.id, "waiting for the vendor to answer")

    await moves.approve_task(ctx, OPERATOR, review.id)
    made = await run_automation(ctx)

    assert [m.task_id for m in made] == [deploy.id]
    assert (await Task.get(id=manual.id)).status is TaskStatus.BLOCKED


async def test_an_auto_approve_parent_waits_for_its_open_subtask(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    parent = await submitted_task(ctx, ["trivial"], "Release 1.2")
    child = await create_task(
        ctx, OPERATOR, TaskDraft("Changelog", "Write it", 3, parent_id=parent.id)
    )

    assert await run_automation(ctx) == []
    assert (await Task.get(id=parent.id)).status is TaskStatus.REVIEW

    await moves.cancel_task(ctx, OPERATOR, child.id, "not needed")
    assert [m.task_id for m in await run_automation(ctx)] == [parent.id]


async def test_a_task_blocked_for_another_reason_after_its_dependency_was_done_stays_blocked(
    settings: Settings, clock: Clock
) -> None:
    ctx = context(settings, clock)
    schema = await submitted_task(ctx, [], "Design the schema")
    api = await create_task(ctx, OPERATOR, TaskDraft("Build the API", "On the schema", 2))
    await add_dependency(ctx, OPERATOR, api.id, schema.id)
    await moves.approve_task(ctx, OPERATOR, schema.id)
    clock.now = START + timedelta(minutes=5)
    await moves.block_task(ctx, OPERATOR, api.id, "legal has to sign off first")

    assert await run_automation(ctx) == []
    assert (await Task.get(id=api.id)).status is TaskStatus.BLOCKED


async def submitted_event(task_id: int) -> EventRecord:
    row = await Event.get(task_id=task_id, kind="submitted")
    return to_record(row)


async def test_following_a_submission_reads_the_task_only_when_its_tags_allow_a_rule(
    settings: Settings, clock: Clock
) -> None:
    """The SUBMITTED Event lists the task's tags, on both submit paths: without an approval
    tag no rule can apply and the scheduler reads nothing; with one it decides as before."""
    ctx = context(settings, clock)
    untagged = await submitted_task(ctx, [], "Rewrite parser")
    trivial = await submitted_task(ctx, ["trivial"], "Bump version")
    dev = agent_actor(f"dev-{untagged.id}")
    later = await create_task(ctx, OPERATOR, TaskDraft("Later", "x", 3, ["auto-approve"]))
    await claims.claim_task(ctx, dev, later.id)
    await claims.submit_for_review(ctx, dev, later.id, "done")  # claims.py's one UPDATE
    events = [await submitted_event(task.id) for task in (untagged, trivial, later)]
    assert [event.payload["tags"] for event in events] == [[], ["trivial"], ["auto-approve"]]

    async def replay(chosen: list[EventRecord]) -> AsyncIterator[EventRecord]:
        for event in chosen:
            yield event

    with StatementLog().recording() as statements:
        await follow(ctx, replay(events[:1]))
    assert statements == []
    await follow(ctx, replay(events[1:]))
    assert (await Task.get(id=trivial.id)).status is TaskStatus.DONE
    assert (await Task.get(id=later.id)).status is TaskStatus.REVIEW  # its delay runs
    assert (await Task.get(id=untagged.id)).status is TaskStatus.REVIEW
