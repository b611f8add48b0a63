"""A task's attempts read from its Event log: who worked when, what it cost, how it ended.

An attempt starts when an agent claims the task (or the operator's rejection sends the work
back for rework) and ends at the next move that takes the task from its holder: submitted,
failed, released, lease expired, blocked or cancelled. Usage reports count towards the attempt
they arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from mission_control.domain.events import EventKind, EventRecord

STARTS = frozenset({EventKind.CLAIMED, EventKind.REJECTED})
ENDS = {
    EventKind.SUBMITTED: "submitted for review",
    EventKind.ATTEMPT_FAILED: "failed",
    EventKind.RELEASED: "released",
    EventKind.LEASE_EXPIRED: "lease expired",
    EventKind.BLOCKED: "blocked",
    EventKind.CANCELLED: "cancelled",
}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One stretch of work on a task by one agent."""

    number: int
    agent: str | None
    started_at: datetime
    ended_at: datetime | None = None
    outcome: str = "in progress"
    detail: str | None = None  # the error of a failure or the reason of a release or block
    feedback: str | None = None  # the operator's feedback that started this attempt (rework)
    review: str | None = None  # how the operator answered the submission: approved / rejected
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def seconds(self) -> float | None:
        """How long it ran, or None while it still runs."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def attempts_of(events: Iterable[EventRecord]) -> list[Attempt]:
    """The attempts in these Events (oldest first, as the log has them)."""
    done: list[Attempt] = []
    current: Attempt | None = None
    for event in events:
        if event.kind in STARTS:
            if current is not None:  # a rejection ends nothing still open; close it anyway
                done.append(replace(current, ended_at=event.created_at, outcome="replaced"))
            feedback = event.payload.get("reason") if event.kind is EventKind.REJECTED else None
            current = Attempt(len(done) + 1, event.agent_name, event.created_at, feedback=feedback)
            if event.kind is EventKind.REJECTED and done:
                done[-1] = replace(done[-1], review="rejected")
        elif current is not None and event.kind is EventKind.USAGE:
            current = replace(
                current,
                tokens=current.tokens + int(_number(event.payload.get("tokens"))),
                cost_usd=current.cost_usd + _number(event.payload.get("cost_usd")),
            )
        elif current is not None and event.kind in ENDS:
            detail = event.payload.get("error") or event.payload.get("reason")
            done.append(
                replace(
                    current,
                    ended_at=event.created_at,
                    outcome=ENDS[event.kind],
                    detail=str(detail) if detail else None,
                )
            )
            current = None
        elif event.kind is EventKind.APPROVED and done:
            done[-1] = replace(done[-1], review="approved")
    if current is not None:
        done.append(current)
    return done
