"""When work last showed life, and which tasks the stuck check looks at (services/stuck.py)."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Event, Task

_REPORTS = [str(EventKind.PROGRESS), str(EventKind.USAGE)]


async def last_signal(task: Task, conn: BaseDBAsyncClient | None = None) -> datetime:
    """The latest of: entering its status, a progress or usage report on it, its holder's
    last heartbeat and the last output its holder's command printed on it."""
    moments = [task.status_changed_at]
    holder = task.assignee
    if isinstance(holder, Agent) and holder.last_heartbeat_at is not None:
        moments.append(holder.last_heartbeat_at)
    if isinstance(holder, Agent) and holder.output_task_id == task.id and holder.output_at:
        moments.append(holder.output_at)
    report = (
        await Event.filter(task_id=task.id, kind__in=_REPORTS)
        .using_db(conn)
        .order_by("-id")
        .first()
        .values_list("created_at", flat=True)
    )
    if isinstance(report, datetime):
        moments.append(report)
    return max(moments)


async def watched_task_ids() -> list[int]:
    """Tasks in progress, and tasks still marked stuck (to clear), in id order."""
    working = await Task.filter(status=TaskStatus.IN_PROGRESS).values_list("id", flat=True)
    marked = await Task.filter(stuck_since__isnull=False).values_list("id", flat=True)
    return sorted({int(str(task_id)) for task_id in [*working, *marked]})


async def marked_before(task_id: int, moment: datetime) -> bool:
    """The task carries a stuck mark set before `moment`."""
    return await Task.filter(id=task_id, stuck_since__lt=moment).exists()
