"""The automation scheduler: applies the rules of domain/automation.py to the board.

It runs periodically (registered in the runtime's jobs) and at once after the Events that
trigger a rule. Every decision is read from the database, never from memory, so a restart
changes nothing and a rule fires once: after its move the task no longer matches it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from mission_control.domain.actors import AUTOMATION
from mission_control.domain.automation import (
    AUTO_APPROVE_TAG,
    AutoMove,
    Blocker,
    approval_due,
    approval_possible,
    blockers_of,
    unblock_due,
)
from mission_control.domain.errors import MissionControlError
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.domain.workflow import Move, TaskStatus
from mission_control.models import Task
from mission_control.services.moves import apply_move
from mission_control.store.context import Context
from mission_control.store.dependencies import dependents_of, depends_on_ids
from mission_control.store.journal import Change, change
from mission_control.store.tasks import Scope, load_task, rule_candidates, status_moments

log = logging.getLogger(__name__)

# Events after which a rule may have become due; the runtime runs the scheduler on them.
# (APPROVED matters for the blocked → ready rule: the blocker just became done.)
TRIGGERS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.APPROVED,
        EventKind.BLOCKED,
        EventKind.UPDATED,
        EventKind.DEPENDENCY_ADDED,
        EventKind.DEPENDENCY_REMOVED,
    }
)


async def _decide(ctx: Context, task: Task, ch: Change | None = None) -> AutoMove | None:
    """The automatic move this task is due for now, read fresh from its row."""
    if task.status is TaskStatus.REVIEW:
        return approval_due(
            task.id,
            task.status,
            task.tags,
            task.status_changed_at,
            ctx.clock(),
            delay=timedelta(seconds=ctx.settings.auto_approve_delay_seconds),
            instant_tags=ctx.settings.auto_approve_tags,
        )
    if task.status is TaskStatus.BLOCKED:
        conn = ch.conn if ch is not None else None
        wanted = blockers_of(task.id, task.block_reason, await depends_on_ids(task.id, conn))
        found = {
            number: Blocker(status, since)
            for number, (status, since) in (await status_moments(wanted, conn)).items()
        }
        missing = Blocker(TaskStatus.CANCELLED, task.status_changed_at)  # never becomes done
        blockers = {number: found.get(number, missing) for number in wanted}
        return unblock_due(task.id, task.status, task.status_changed_at, blockers)
    return None


async def _apply(ctx: Context, due: AutoMove) -> bool:
    """Make one automatic move in its own change, re-checking it on the locked-in row."""
    async with change(ctx) as ch:
        task = await load_task(due.task_id, ch.conn)
        again = await _decide(ctx, task, ch)
        if again is None or again.target is not due.target:
            return False
        expect = Move.APPROVE if due.target is TaskStatus.DONE else Move.UNBLOCK
        await apply_move(ch, ctx, AUTOMATION, task, due.target, expect=expect, reason=due.reason)
    return True


async def run_automation(ctx: Context, among: Scope | None = None) -> list[AutoMove]:
    """Make every automatic move that is due now (among some tasks); returns the moves made.

    A move the workflow refuses (a parent with open subtasks, a task changed meanwhile) is
    logged and tried again next round.
    """
    made: list[AutoMove] = []
    tags = {AUTO_APPROVE_TAG, *ctx.settings.auto_approve_tags}
    for task in await rule_candidates(tags, among):
        due = await _decide(ctx, task)
        if due is None:
            continue
        try:
            if await _apply(ctx, due):
                made.append(due)
        except MissionControlError as error:
            log.info("automation skipped task #%s (%s): %s", due.task_id, due.reason, error)
    return made


async def follow(ctx: Context, events: AsyncIterator[EventRecord]) -> None:
    """Run the rules at once after each triggering Event, so nobody waits for the next sweep."""
    async for event in events:
        if event.kind not in TRIGGERS or _cannot_apply(ctx, event):
            continue
        try:
            await run_automation(ctx, await _touched_by(event))
        except Exception:
            log.exception("automation after event #%s failed; the sweep retries it", event.id)


def _cannot_apply(ctx: Context, event: EventRecord) -> bool:
    """True when the Event itself shows no rule can be due: a task submitted without an
    approval tag (its SUBMITTED Event lists the tags it had). Its scope is that task alone,
    so nothing is left unchecked; an Event written without the list is checked as before."""
    if event.kind is not EventKind.SUBMITTED or "tags" not in event.payload:
        return False
    return not approval_possible(event.payload["tags"], ctx.settings.auto_approve_tags)


async def _touched_by(event: EventRecord) -> Scope:
    """The only tasks whose rules an Event can have made due: its own task, and after an
    approval the blocked tasks waiting for it (as a dependency or named `#id` in the reason).

    So a submit costs the same with 50 or 50,000 tasks on the board; the periodic sweep still
    looks at everything, for an Event missed while no process was leading.
    """
    if event.task_id is None:
        return Scope()
    if event.kind is not EventKind.APPROVED:
        return Scope(frozenset({event.task_id}))
    dependents = await dependents_of(event.task_id)
    return Scope(frozenset({event.task_id, *dependents}), blocked_naming=f"#{event.task_id}")


def trigger_filter() -> EventFilter:
    """The hub subscription `follow` needs."""
    return EventFilter(kinds=TRIGGERS)
