"""A task's attempts read from its Events (domain/attempts.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mission_control.domain.attempts import attempts_of
from mission_control.domain.events import EventKind, EventRecord

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def event(n: int, kind: EventKind, minutes: int, **payload: object) -> EventRecord:
    return EventRecord(
        n, kind, "agent:dev", START + timedelta(minutes=minutes), 1, "dev", payload=payload
    )


def test_a_rework_round_is_two_attempts_with_feedback_usage_and_duration() -> None:
    found = attempts_of(
        [
            event(1, EventKind.CREATED, 0),
            event(2, EventKind.CLAIMED, 1),
            event(3, EventKind.USAGE, 2, tokens=1000, cost_usd=0.5),
            event(4, EventKind.SUBMITTED, 4),
            event(5, EventKind.REJECTED, 5, reason="add totals"),
            event(6, EventKind.USAGE, 6, tokens=200, cost_usd=0.1),
            event(7, EventKind.SUBMITTED, 8),
            event(8, EventKind.APPROVED, 9),
        ]
    )

    first, second = found
    assert (first.number, first.outcome, first.review, first.tokens) == (
        1,
        "submitted for review",
        "rejected",
        1000,
    )
    assert first.seconds == 180
    assert (second.feedback, second.review, second.tokens) == ("add totals", "approved", 200)


def test_a_failed_attempt_keeps_its_error_and_a_running_one_has_no_end() -> None:
    failed, running = attempts_of(
        [
            event(1, EventKind.CLAIMED, 0),
            event(2, EventKind.ATTEMPT_FAILED, 3, error="exit 1"),
            event(3, EventKind.CLAIMED, 10),
        ]
    )
    assert (failed.outcome, failed.detail) == ("failed", "exit 1")
    assert running.seconds is None and running.outcome == "in progress"


def test_no_claim_no_attempt() -> None:
    assert attempts_of([event(1, EventKind.CREATED, 0), event(2, EventKind.BLOCKED, 1)]) == []
