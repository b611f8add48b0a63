"""The automation rules as pure decisions: which automatic move a task is due for, and why."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mission_control.domain.workflow import TaskStatus

AUTO_APPROVE_TAG = "auto-approve"
DELAYED_APPROVAL_RULE = "review → done: tagged auto-approve and {delay} in review"
INSTANT_APPROVAL_RULE = "review → done: tagged {tag}, approved on submission"
UNBLOCK_RULE = "blocked → ready: every blocking task is done ({blockers})"

_TASK_REFERENCE = re.compile(r"#(\d+)\b")


@dataclass(frozen=True, slots=True)
class AutoMove:
    """An automatic move a task is due for, with the reason its Event carries."""

    task_id: int
    target: TaskStatus
    reason: str


def _delay_words(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds} s"


def approval_due(
    task_id: int,
    status: TaskStatus,
    tags: Collection[str],
    entered_review_at: datetime,
    now: datetime,
    *,
    delay: timedelta,
    instant_tags: Collection[str],
) -> AutoMove | None:
    """Review work is approved at once for the instant tags, after `delay` for auto-approve.

    The delay counts from when the task entered review (kept in the row), so a restart of the
    server in between neither resets nor skips it.
    """
    if status is not TaskStatus.REVIEW:
        return None
    instant = next((tag for tag in tags if tag in instant_tags), None)
    if instant is not None:
        return AutoMove(task_id, TaskStatus.DONE, INSTANT_APPROVAL_RULE.format(tag=instant))
    if AUTO_APPROVE_TAG in tags and now >= entered_review_at + delay:
        reason = DELAYED_APPROVAL_RULE.format(delay=_delay_words(delay))
        return AutoMove(task_id, TaskStatus.DONE, reason)
    return None


def approval_possible(tags: Iterable[str], instant_tags: Collection[str]) -> bool:
    """Whether a task with these tags can ever be approved automatically (approval_due's two
    rules both need a tag): a SUBMITTED Event carries the task's tags, so the scheduler skips
    reading the task when none of them counts. A later tag edit is an UPDATED Event, which
    the scheduler follows too."""
    return any(tag == AUTO_APPROVE_TAG or tag in instant_tags for tag in tags)


def referenced_tasks(block_reason: str | None) -> set[int]:
    """Tasks a block reason names as `#12`: an agent says what it waits for that way."""
    return {int(number) for number in _TASK_REFERENCE.findall(block_reason or "")}


def blockers_of(task_id: int, block_reason: str | None, dependencies: Iterable[int]) -> set[int]:
    """What blocks a blocked task: its dependencies plus the tasks its block reason names."""
    return (referenced_tasks(block_reason) | set(dependencies)) - {task_id}


@dataclass(frozen=True, slots=True)
class Blocker:
    """A task another one waits for: its status and when it last changed status."""

    status: TaskStatus
    since: datetime


def unblock_due(
    task_id: int, status: TaskStatus, blocked_at: datetime, blockers: dict[int, Blocker]
) -> AutoMove | None:
    """A blocked task goes back to ready once every blocker is done, one of them after the block.

    A block placed when all its blockers were already done is about something else (the
    reason says what) and waits for a person, as does one that names no task and has no
    dependencies.
    """
    if status is not TaskStatus.BLOCKED or not blockers:
        return None
    if any(blocker.status is not TaskStatus.DONE for blocker in blockers.values()):
        return None
    if max(blocker.since for blocker in blockers.values()) < blocked_at:
        return None
    names = ", ".join(f"#{number}" for number in sorted(blockers))
    return AutoMove(task_id, TaskStatus.READY, UNBLOCK_RULE.format(blockers=names))
