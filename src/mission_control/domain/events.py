"""The audit log's vocabulary: what kinds of Event there are and what one carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from mission_control.domain.workflow import Move, TaskStatus


class EventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    ASSIGNED = "assigned"
    PROGRESS = "progress"
    TRIAGED = Move.TRIAGE.value
    CLAIMED = Move.CLAIM.value
    SUBMITTED = Move.SUBMIT.value
    APPROVED = Move.APPROVE.value
    REJECTED = Move.REJECT.value
    BLOCKED = Move.BLOCK.value
    UNBLOCKED = Move.UNBLOCK.value
    RELEASED = Move.RELEASE.value
    CANCELLED = Move.CANCEL.value
    LEASE_EXPIRED = "lease_expired"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_GRANTED = "approval_granted"
    APPROVAL_DECLINED = "approval_declined"
    APPROVAL_EXPIRED = "approval_expired"
    HEARTBEAT = "heartbeat"
    AGENT_REGISTERED = "agent_registered"
    AGENT_UPDATED = "agent_updated"
    AUTONOMY_CHANGED = "autonomy_changed"
    DEPENDENCY_ADDED = "dependency_added"
    DEPENDENCY_REMOVED = "dependency_removed"
    DECOMPOSED = "decomposed"
    USAGE = "usage"
    BUDGET_CHANGED = "budget_changed"
    BUDGET_PAUSED = "budget_paused"
    BUDGET_RESUMED = "budget_resumed"
    STUCK = "stuck"
    STUCK_CLEARED = "stuck_cleared"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    ATTEMPT_FAILED = "attempt_failed"
    # New kinds go at the end: the enum's order is the schema's and the generated client's.
    COMMENTED = "commented"
    REOPENED = Move.REOPEN.value
    OUTPUT = "output"
    WEBHOOK_REGISTERED = "webhook_registered"
    WEBHOOK_REPLAYED = "webhook_replayed"
    WEBHOOK_REMOVED = "webhook_removed"


# Events a newer one of the same agent replaces: the log keeps only an agent's latest (its
# rows are pruned as they are superseded, see services/output.py), and a subscriber gets them
# only by asking for the kind by name, so the board, Slack, webhooks and `watch` never see them.
SUPERSEDED = frozenset({EventKind.OUTPUT})


def kind_of(move: Move) -> EventKind:
    """The Event kind recorded for a status move."""
    return EventKind(move.value)


class Position(NamedTuple):
    """Where an Event stands in delivery order: its writer's transaction id, then its own id.

    Ids are taken when a transaction writes its Events but become visible when it commits, so
    on a database with concurrent writers id order is not commit order; (tx, id) order over the
    Events whose writers have all finished never changes (bus/hub.py, docs/architecture.md).
    On SQLite, one writer at a time, tx is 0 and the order is the ids'.
    """

    tx: int
    id: int


START = Position(0, 0)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One committed Event, as subscribers see it."""

    id: int
    kind: EventKind
    actor: str
    created_at: datetime
    task_id: int | None = None
    agent_name: str | None = None
    from_status: TaskStatus | None = None
    to_status: TaskStatus | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    tx: int = 0  # the writing transaction's id (0 on SQLite): see Position
    # Made once: the hub compares it for every subscriber an Event is fanned out to.
    position: Position = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", Position(self.tx, self.id))


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which Events a subscriber wants; empty parts match everything (empty kinds: every kind
    but the SUPERSEDED ones)."""

    task_id: int | None = None
    statuses: frozenset[TaskStatus] = frozenset()
    kinds: frozenset[EventKind] = frozenset()
    agent_name: str | None = None

    def matches(self, event: EventRecord) -> bool:
        """True when the event passes every part of the filter that is set."""
        if self.task_id is not None and event.task_id != self.task_id:
            return False
        named = event.kind in self.kinds if self.kinds else event.kind not in SUPERSEDED
        if not named:
            return False
        if self.agent_name is not None and event.agent_name != self.agent_name:
            return False
        return not self.statuses or bool({event.from_status, event.to_status} & self.statuses)
