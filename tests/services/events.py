"""Reading the Event log the services wrote, to assert what a change announced."""

from __future__ import annotations

from typing import Any

from mission_control.models import Event


async def kinds_of(task_id: int) -> list[str]:
    """The kinds of the task's Events, oldest first."""
    rows = await Event.filter(task_id=task_id).order_by("id").values_list("kind", flat=True)
    return [str(kind) for kind in rows]


async def last_of(task_id: int) -> Any:
    event = await Event.filter(task_id=task_id).order_by("-id").first()
    assert event is not None, f"task #{task_id} has no Event"
    return event


async def event_count() -> int:
    return await Event.all().count()
