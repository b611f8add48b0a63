"""Which Events reach the channel at each notify level (the seed's question 3)."""

from __future__ import annotations

from mission_control.domain.events import EventKind, EventRecord
from mission_control.settings import NotifyLevel

# What a person must act on: a blocked task, a review, a lost lease, an approval to give.
CRITICAL = frozenset(
    {
        EventKind.BLOCKED,
        EventKind.SUBMITTED,
        EventKind.LEASE_EXPIRED,
        EventKind.APPROVAL_REQUESTED,
        EventKind.STUCK,
        EventKind.BUDGET_PAUSED,
    }
)

# Every move across the board, plus the approvals and the autonomy switch around them.
TRANSITIONS = CRITICAL | frozenset(
    {
        EventKind.CREATED,
        EventKind.TRIAGED,
        EventKind.CLAIMED,
        EventKind.APPROVED,
        EventKind.REJECTED,
        EventKind.UNBLOCKED,
        EventKind.RELEASED,
        EventKind.CANCELLED,
        EventKind.APPROVAL_GRANTED,
        EventKind.APPROVAL_DECLINED,
        EventKind.APPROVAL_EXPIRED,
        EventKind.AUTONOMY_CHANGED,
        EventKind.STUCK_CLEARED,
        EventKind.BUDGET_RESUMED,
        EventKind.REOPENED,
    }
)

# Heartbeats, usage reports and command output arrive every few seconds per agent: never
# worth a message.
NEVER = frozenset({EventKind.HEARTBEAT, EventKind.USAGE, EventKind.OUTPUT})


def wanted(event: EventRecord, level: NotifyLevel) -> bool:
    """True when an Event of this kind is posted at this level."""
    if event.kind in NEVER:
        return False
    if level is NotifyLevel.CRITICAL:
        return event.kind in CRITICAL
    if level is NotifyLevel.TRANSITIONS:
        return event.kind in TRANSITIONS
    return True
