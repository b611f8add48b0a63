"""The seed's agent activity messages, as a view of the Event log."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mission_control.domain.events import EventKind, EventRecord


class ActivityType(StrEnum):
    TASK_STARTED = "task_started"
    TASK_PROGRESS = "task_progress"
    TASK_COMPLETED = "task_completed"
    TASK_BLOCKED = "task_blocked"
    HEARTBEAT = "heartbeat"


ACTIVITY_OF_KIND: dict[EventKind, ActivityType] = {
    EventKind.CLAIMED: ActivityType.TASK_STARTED,
    EventKind.PROGRESS: ActivityType.TASK_PROGRESS,
    EventKind.SUBMITTED: ActivityType.TASK_COMPLETED,
    EventKind.BLOCKED: ActivityType.TASK_BLOCKED,
    EventKind.HEARTBEAT: ActivityType.HEARTBEAT,
}
ACTIVITY_KINDS = frozenset(ACTIVITY_OF_KIND)


@dataclass(frozen=True, slots=True)
class Activity:
    type: ActivityType
    agent: str
    event: EventRecord
    task_id: int | None
    progress: int | None
    reason: str | None


def activity_of(event: EventRecord) -> Activity | None:
    """The activity message an Event stands for, or None when it is not about an agent's work."""
    kind = ACTIVITY_OF_KIND.get(event.kind)
    if kind is None or event.agent_name is None:
        return None
    progress = event.payload.get("progress")
    holding = event.payload.get("holding")  # a heartbeat names the task it holds here
    reason = event.payload.get("reason") or event.payload.get("note")
    return Activity(
        type=kind,
        agent=event.agent_name,
        event=event,
        task_id=event.task_id if event.task_id is not None else _int(holding),
        progress=_int(progress),
        reason=str(reason) if reason else None,
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
