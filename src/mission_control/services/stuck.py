"""Stuck work: the sweep marks a silent task in progress STUCK once; a new report clears it.

A task's last sign of life is the latest of: entering in_progress (claim, rework), a progress
or usage report on it, its holder's last heartbeat and the last output its command printed.
The mark is the task's `stuck_since` column, so the STUCK Event is written once however often
the sweep runs, and the board shows a badge from the row it already reads.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Conflict
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.domain.stuck import is_stuck, stuck_after_minutes, stuck_reason
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Task
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.signals import last_signal, marked_before, watched_task_ids
from mission_control.store.tasks import assignee_name, load_task, write_task

log = logging.getLogger(__name__)

WATCHMAN = Actor(Role.SYSTEM, "stuck-watch")
SIGNS_OF_LIFE = frozenset(
    {EventKind.PROGRESS, EventKind.USAGE, EventKind.HEARTBEAT, EventKind.OUTPUT}
)


async def _clear(ch: Change, task: Task, reason: str) -> None:
    await write_task(ch, task, stuck_since=None)
    ch.record(
        EventKind.STUCK_CLEARED,
        WATCHMAN.label,
        task_id=task.id,
        agent_name=assignee_name(task),
        reason=reason,
    )


async def _check(ctx: Context, task_id: int) -> EventKind | None:
    """Mark or clear one task on its locked-in row; the Event kind written, if any."""
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        if task.status is not TaskStatus.IN_PROGRESS:
            if task.stuck_since is None:
                return None
            await _clear(ch, task, f"no longer in progress (now {task.status})")
            return EventKind.STUCK_CLEARED
        minutes = stuck_after_minutes(task.tags, ctx.settings.stuck_after_minutes)
        signal = await last_signal(task, ch.conn)
        silent = is_stuck(signal, ch.now, minutes)
        if silent and task.stuck_since is None:
            reason = stuck_reason(assignee_name(task), signal, ch.now, minutes)
            await write_task(ch, task, stuck_since=ch.now)
            ch.record(
                EventKind.STUCK,
                WATCHMAN.label,
                task_id=task.id,
                agent_name=assignee_name(task),
                reason=reason,
                minutes=minutes,
                last_signal_at=signal.isoformat(),
            )
            return EventKind.STUCK
        if task.stuck_since is not None and (not silent or signal > task.stuck_since):
            spoke = signal > task.stuck_since
            await _clear(ch, task, "the holder reported again" if spoke else "its limit was raised")
            return EventKind.STUCK_CLEARED
    return None


async def watch_stuck(ctx: Context) -> list[tuple[int, EventKind]]:
    """The sweep: mark tasks gone silent, clear marks that no longer hold; returns the changes."""
    changed: list[tuple[int, EventKind]] = []
    for task_id in await watched_task_ids():
        try:
            if (kind := await _check(ctx, task_id)) is not None:
                changed.append((task_id, kind))
        except Conflict:
            continue  # written meanwhile: looked at again next sweep
    return changed


def _task_of(event: EventRecord) -> int | None:
    if event.kind in (EventKind.HEARTBEAT, EventKind.OUTPUT):  # they name the task `holding`
        holding = event.payload.get("holding")
        return holding if isinstance(holding, int) else None
    return event.task_id


async def clear_on_report(ctx: Context, events: AsyncIterator[EventRecord]) -> None:
    """Clear a stuck mark as soon as its holder reports or heartbeats again."""
    async for event in events:
        task_id = _task_of(event)
        if task_id is None:
            continue
        try:
            if await marked_before(task_id, event.created_at):
                await _check(ctx, task_id)
        except Conflict:
            continue
        except Exception:
            log.exception("clearing stuck task #%s failed; the sweep retries it", task_id)


def signs_of_life() -> EventFilter:
    """The hub subscription `clear_on_report` needs."""
    return EventFilter(kinds=SIGNS_OF_LIFE)
