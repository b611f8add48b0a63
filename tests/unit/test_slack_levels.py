"""Which Events reach Slack at each notify level, and what their messages carry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mission_control.domain.events import EventKind, EventRecord
from mission_control.domain.workflow import TaskStatus
from mission_control.settings import NotifyLevel
from mission_control.slack.levels import wanted
from mission_control.slack.messages import decided, render


def event(kind: EventKind, **payload: object) -> EventRecord:
    return EventRecord(
        id=7, kind=kind, actor="operator", created_at=datetime.now(UTC), task_id=3, payload=payload
    )


@pytest.mark.parametrize(
    ("kind", "levels"),
    [
        (EventKind.BLOCKED, {"all", "transitions", "critical"}),
        (EventKind.SUBMITTED, {"all", "transitions", "critical"}),
        (EventKind.LEASE_EXPIRED, {"all", "transitions", "critical"}),
        (EventKind.APPROVAL_REQUESTED, {"all", "transitions", "critical"}),
        (EventKind.CLAIMED, {"all", "transitions"}),
        (EventKind.CREATED, {"all", "transitions"}),
        (EventKind.PROGRESS, {"all"}),
        (EventKind.ASSIGNED, {"all"}),
        (EventKind.HEARTBEAT, set()),
        (EventKind.STUCK, {"all", "transitions", "critical"}),
        (EventKind.BUDGET_PAUSED, {"all", "transitions", "critical"}),
        (EventKind.STUCK_CLEARED, {"all", "transitions"}),
        (EventKind.BUDGET_RESUMED, {"all", "transitions"}),
        (EventKind.USAGE, set()),
        (EventKind.OUTPUT, set()),
    ],
)
def test_each_level_posts_its_kinds_of_event(kind: EventKind, levels: set[str]) -> None:
    assert {level.value for level in NotifyLevel if wanted(event(kind), level)} == levels


def test_an_approval_message_without_an_approval_id_has_no_buttons() -> None:
    message = render(event(EventKind.APPROVAL_REQUESTED), None, "http://board")
    assert all(block["type"] != "actions" for block in message.blocks)
    assert message.text == "Approval needed: #3"


def test_a_decided_message_loses_its_buttons_and_says_who_decided() -> None:
    record = EventRecord(
        id=9,
        kind=EventKind.SUBMITTED,
        actor="agent:dev",
        created_at=datetime.now(UTC),
        task_id=3,
        to_status=TaskStatus.REVIEW,
        payload={"result": "PR #7"},
    )
    blocks = render(record, None, "http://board").blocks
    assert [b["type"] for b in blocks] == ["section", "section", "context", "actions"]

    after = decided(blocks, "Rejected", "U1")

    assert [b["type"] for b in after] == ["section", "section", "context", "context"]
    assert after[-1]["elements"][0]["text"] == "Rejected by <@U1>"


def test_a_stuck_message_says_why() -> None:
    reason = "no progress report or heartbeat from dev for 46 min (limit 45 min)"
    message = render(event(EventKind.STUCK, reason=reason), None, "http://board")
    assert message.text == "Stuck: #3"
    assert f"*Reason:* {reason}" in str(message.blocks)
