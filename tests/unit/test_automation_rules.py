"""The pure rules: when an automatic move is due, and how an outline becomes subtasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mission_control.domain.automation import Blocker, approval_due, blockers_of, unblock_due
from mission_control.domain.decomposition import (
    ParentTask,
    ProposedSubtask,
    check_proposal,
    outline,
)
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.workflow import TaskStatus

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAY = timedelta(days=1)


def due(tags: list[str], at: datetime, status: TaskStatus = TaskStatus.REVIEW) -> object:
    return approval_due(1, status, tags, T0, at, delay=DAY, instant_tags={"trivial"})


def test_auto_approve_is_due_exactly_when_the_delay_has_passed() -> None:
    assert due(["auto-approve"], T0 + DAY - timedelta(microseconds=1)) is None
    assert due(["auto-approve"], T0 + DAY) is not None


def test_instant_tag_is_due_at_once_and_untagged_review_never() -> None:
    assert due(["trivial"], T0) is not None
    assert due(["docs"], T0 + 100 * DAY) is None


def test_only_work_under_review_is_approved_automatically() -> None:
    assert due(["trivial"], T0, TaskStatus.IN_PROGRESS) is None


def test_blockers_are_dependencies_and_tasks_named_in_the_reason() -> None:
    assert blockers_of(5, "waiting on #3 and #12 (not #5 itself)", [7]) == {3, 7, 12}
    assert blockers_of(5, "waiting on the vendor", []) == set()


def test_unblock_waits_for_every_blocker() -> None:
    done, ready = Blocker(TaskStatus.DONE, T0 + DAY), Blocker(TaskStatus.READY, T0)
    assert unblock_due(5, TaskStatus.BLOCKED, T0, {3: done, 7: ready}) is None
    move = unblock_due(5, TaskStatus.BLOCKED, T0, {3: done, 7: done})
    assert move is not None and move.reason.endswith("(#3, #7)")
    assert unblock_due(5, TaskStatus.BLOCKED, T0, {}) is None


def test_a_block_placed_after_every_blocker_was_done_waits_for_a_person() -> None:
    finished = Blocker(TaskStatus.DONE, T0)
    assert unblock_due(5, TaskStatus.BLOCKED, T0 + DAY, {3: finished}) is None


PARENT = ParentTask(9, "Release", "", 2, ("release",))


def parent_with(description: str) -> ParentTask:
    return ParentTask(PARENT.id, PARENT.title, description, PARENT.priority, PARENT.tags)


def test_outline_reads_checklists_bullets_and_numbers_but_not_prose() -> None:
    text = "Intro line\n- [x] checked item\n  * nested bullet\n1) first step\n2. second step\nend"
    subtasks = outline(parent_with(text))
    assert [s.title for s in subtasks] == [
        "checked item",
        "nested bullet",
        "first step",
        "second step",
    ]
    assert [s.depends_on for s in subtasks] == [(), (), (), (2,)]
    assert subtasks[0].description == "Part of #9: Release"


def test_outline_of_prose_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        outline(parent_with("No list at all.\n-not a bullet without a space"))


def test_proposal_checks_reject_cycles_and_bad_indexes() -> None:
    with pytest.raises(ValidationFailed, match="cycle: 0 → 1 → 0"):
        check_proposal(
            [ProposedSubtask("A", depends_on=(1,)), ProposedSubtask("B", depends_on=(0,))]
        )
    with pytest.raises(ValidationFailed, match="not another subtask"):
        check_proposal([ProposedSubtask("A", depends_on=(0,))])
    with pytest.raises(ValidationFailed):
        check_proposal([ProposedSubtask("  ")])
    with pytest.raises(ValidationFailed):
        check_proposal([])
