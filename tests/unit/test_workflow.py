"""The whole state machine, its guards and the limits on what goes into a task."""

from __future__ import annotations

import itertools

import pytest

from mission_control.domain import limits
from mission_control.domain.actors import AUTOMATION, OPERATOR, Actor, Role, agent_actor
from mission_control.domain.errors import (
    ErrorCode,
    Forbidden,
    InvalidTransition,
    ValidationFailed,
)
from mission_control.domain.workflow import (
    Move,
    TaskFacts,
    TaskStatus,
    allowed_targets,
    check_move,
    is_complete_for_pickup,
    move_for,
    reopen_target,
)

S = TaskStatus
OPEN = (S.INTAKE, S.READY, S.IN_PROGRESS, S.REVIEW)

# The seed's state machine written out by hand, independently of TRANSITIONS.
EXPECTED: dict[tuple[TaskStatus, TaskStatus], Move] = {
    (S.INTAKE, S.READY): Move.TRIAGE,
    (S.READY, S.IN_PROGRESS): Move.CLAIM,
    (S.IN_PROGRESS, S.REVIEW): Move.SUBMIT,
    (S.IN_PROGRESS, S.READY): Move.RELEASE,
    (S.REVIEW, S.DONE): Move.APPROVE,
    (S.REVIEW, S.IN_PROGRESS): Move.REJECT,
    (S.BLOCKED, S.READY): Move.UNBLOCK,
    (S.INTAKE, S.BLOCKED): Move.BLOCK,
    (S.READY, S.BLOCKED): Move.BLOCK,
    (S.IN_PROGRESS, S.BLOCKED): Move.BLOCK,
    (S.REVIEW, S.BLOCKED): Move.BLOCK,
    (S.INTAKE, S.CANCELLED): Move.CANCEL,
    (S.READY, S.CANCELLED): Move.CANCEL,
    (S.IN_PROGRESS, S.CANCELLED): Move.CANCEL,
    (S.REVIEW, S.CANCELLED): Move.CANCEL,
    (S.BLOCKED, S.CANCELLED): Move.CANCEL,
    (S.DONE, S.INTAKE): Move.REOPEN,
    (S.DONE, S.READY): Move.REOPEN,
    (S.CANCELLED, S.INTAKE): Move.REOPEN,
    (S.CANCELLED, S.READY): Move.REOPEN,
}
ALL_PAIRS = list(itertools.product(TaskStatus, TaskStatus))
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def test_the_table_covers_every_pair_of_statuses() -> None:
    assert len(ALL_PAIRS) == 49
    assert len(EXPECTED) + len(REFUSED) == 49


@pytest.mark.parametrize(("current", "target"), list(EXPECTED), ids=str)
def test_allowed_transition_is_made_by_its_move(current: TaskStatus, target: TaskStatus) -> None:
    assert move_for(current, target) is EXPECTED[(current, target)]


@pytest.mark.parametrize(("current", "target"), REFUSED, ids=str)
def test_refused_transition_says_what_is_wrong(current: TaskStatus, target: TaskStatus) -> None:
    with pytest.raises(InvalidTransition) as refused:
        move_for(current, target, task_id=19)
    error = refused.value
    assert error.code is ErrorCode.INVALID_TRANSITION
    assert error.details == {"current": str(current), "target": str(target)}
    assert error.message.startswith("Task #19 ")
    if current is target:
        assert "is already" in error.message and f"to {target}" not in error.message
    elif current in (S.DONE, S.CANCELLED):
        assert "a closed task can only be reopened" in error.message
    else:
        assert f"from {current} to {target}" in error.message
        for to in (to for (frm, to) in EXPECTED if frm is current):
            assert str(to) in error.message.split("it can move to", 1)[1]


@pytest.mark.parametrize(
    ("current", "target", "expect", "sentence"),
    [
        (S.READY, S.READY, Move.UNBLOCK, "Task #19 is not blocked (it is ready)"),
        (S.IN_PROGRESS, S.READY, Move.UNBLOCK, "Task #19 is not blocked (it is in progress)"),
        (S.BLOCKED, S.BLOCKED, Move.BLOCK, "Task #19 is already blocked."),
        (S.IN_PROGRESS, S.DONE, Move.APPROVE, "Task #19 is not in review (it is in progress)"),
        (S.READY, S.IN_PROGRESS, Move.REJECT, "Task #19 is not in review (it is ready)"),
        (S.IN_PROGRESS, S.IN_PROGRESS, Move.CLAIM, "Task #19 is not ready (it is in progress)"),
        (S.READY, S.REVIEW, Move.SUBMIT, "Task #19 is not in progress (it is ready)"),
        (S.READY, S.READY, Move.RELEASE, "Task #19 is not in progress (it is ready)"),
        (S.DONE, S.CANCELLED, Move.CANCEL, "Task #19 is done, so it cannot be cancelled"),
        (S.IN_PROGRESS, S.READY, Move.REOPEN, "Task #19 is in progress; only a task that is done"),
        (S.CANCELLED, S.CANCELLED, Move.CANCEL, "Task #19 is already cancelled."),
    ],
)
def test_a_named_move_on_the_wrong_status_names_the_real_problem(
    current: TaskStatus, target: TaskStatus, expect: Move, sentence: str
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        move_for(current, target, task_id=19, expect=expect)
    assert refused.value.message.startswith(sentence)
    assert "cannot move from" not in refused.value.message


@pytest.mark.parametrize("status", list(TaskStatus), ids=str)
def test_allowed_targets_match_the_table(status: TaskStatus) -> None:
    assert set(allowed_targets(status)) == {to for (frm, to) in EXPECTED if frm is status}


def test_done_and_cancelled_only_reopen() -> None:
    assert allowed_targets(S.DONE) == [S.INTAKE, S.READY]
    assert allowed_targets(S.CANCELLED) == [S.INTAKE, S.READY]


def test_a_reopened_task_follows_the_readiness_rule() -> None:
    assert reopen_target("Report", "Sum up the week", 3) is S.READY
    assert reopen_target("Report", "", 3) is S.INTAKE
    assert reopen_target("Report", "Sum up", None) is S.INTAKE


def test_only_the_operator_reopens() -> None:
    check_move(Move.REOPEN, TaskFacts(S.DONE, "dev"), OPERATOR)
    with pytest.raises(Forbidden):
        check_move(Move.REOPEN, TaskFacts(S.DONE, "dev"), DEV)
    with pytest.raises(Forbidden):
        check_move(Move.REOPEN, TaskFacts(S.DONE, "dev"), VIEWER)


DEV = agent_actor("dev", 1)
VIEWER = Actor(Role.VIEWER, "guest")
HELD_BY_DEV = TaskFacts(S.IN_PROGRESS, "dev")
HELD_BY_OPS = TaskFacts(S.IN_PROGRESS, "ops")


@pytest.mark.parametrize("reason", [None, "", "   \n\t"])
def test_blocking_without_a_reason_is_refused(reason: str | None) -> None:
    for actor, facts in ((OPERATOR, TaskFacts(S.READY, None)), (DEV, HELD_BY_DEV)):
        with pytest.raises(ValidationFailed, match="needs a reason"):
            check_move(Move.BLOCK, facts, actor, reason=reason)


def test_blocking_with_a_reason_is_allowed_for_operator_and_holder() -> None:
    check_move(Move.BLOCK, TaskFacts(S.READY, None), OPERATOR, reason="waits for the API key")
    check_move(Move.BLOCK, HELD_BY_DEV, DEV, reason="waits for the API key")


@pytest.mark.parametrize("move", [Move.SUBMIT, Move.RELEASE, Move.BLOCK])
def test_agent_moves_only_a_task_it_holds(move: Move) -> None:
    check_move(move, HELD_BY_DEV, DEV, reason="why")
    for facts in (HELD_BY_OPS, TaskFacts(S.IN_PROGRESS, None), TaskFacts(S.READY, "dev")):
        with pytest.raises(Forbidden) as refused:
            check_move(move, facts, DEV, reason="why")
        assert refused.value.code is ErrorCode.FORBIDDEN
        assert "does not hold" in refused.value.message


def test_agent_may_claim_a_ready_task_nobody_holds() -> None:
    check_move(Move.CLAIM, TaskFacts(S.READY, None), DEV)


@pytest.mark.parametrize(
    "move", [Move.APPROVE, Move.REJECT, Move.CANCEL, Move.TRIAGE, Move.UNBLOCK]
)
def test_operator_only_moves_are_refused_to_agents(move: Move) -> None:
    with pytest.raises(Forbidden, match="Only the operator"):
        check_move(move, HELD_BY_DEV, DEV, reason="why")
    check_move(move, HELD_BY_DEV, OPERATOR, reason="why")
    check_move(move, HELD_BY_DEV, AUTOMATION, reason="why")


@pytest.mark.parametrize("move", list(Move))
def test_viewer_changes_nothing(move: Move) -> None:
    with pytest.raises(Forbidden, match="viewer"):
        check_move(move, TaskFacts(S.READY, None), VIEWER, reason="why")


@pytest.mark.parametrize(
    ("title", "description", "priority", "complete"),
    [
        ("Fix login", "Users cannot sign in", 2, True),
        ("Fix login", "", 2, False),
        ("Fix login", "   ", 2, False),
        ("Fix login", "Users cannot sign in", None, False),
        ("  ", "Users cannot sign in", 2, False),
    ],
)
def test_a_task_is_ready_for_pickup_when_title_description_and_priority_are_set(
    title: str, description: str, priority: int | None, complete: bool
) -> None:
    assert is_complete_for_pickup(title, description, priority) is complete


def test_title_is_trimmed_and_bounded() -> None:
    assert limits.clean_title("  Fix login  ") == "Fix login"
    assert limits.clean_title("x" * limits.TITLE_MAX) == "x" * limits.TITLE_MAX
    with pytest.raises(ValidationFailed, match="at most 200"):
        limits.clean_title("x" * (limits.TITLE_MAX + 1))
    with pytest.raises(ValidationFailed, match="needs a title") as empty:
        limits.clean_title("   ")
    assert empty.value.details == {"field": "title"}


@pytest.mark.parametrize("priority", [1, 2, 3, 4, 5, None])
def test_priority_from_one_to_five_or_unset_is_accepted(priority: int | None) -> None:
    assert limits.clean_priority(priority) == priority


@pytest.mark.parametrize("priority", [0, 6, -1, 100])
def test_priority_out_of_range_is_refused(priority: int) -> None:
    with pytest.raises(ValidationFailed, match="between 1") as refused:
        limits.clean_priority(priority)
    assert refused.value.details == {"field": "priority"}


def test_tags_are_lower_cased_deduplicated_and_sorted() -> None:
    assert limits.clean_tags(["Rust", "#rust", " p:ops ", "", "a.b+c"]) == [
        "a.b+c",
        "p:ops",
        "rust",
    ]


@pytest.mark.parametrize(
    "tags",
    [["has space"], ["-leading"], ["x" * (limits.TAG_MAX + 1)], [f"t{i}" for i in range(21)]],
)
def test_bad_tags_are_refused(tags: list[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        limits.clean_tags(tags)
    assert refused.value.details == {"field": "tags"}


@pytest.mark.parametrize("progress", [0, 1, 50, 100])
def test_progress_in_percent_is_accepted(progress: int) -> None:
    assert limits.clean_progress(progress) == progress


@pytest.mark.parametrize("progress", [-1, 101, 1000])
def test_progress_outside_zero_to_hundred_is_refused(progress: int) -> None:
    with pytest.raises(ValidationFailed, match="0 to 100"):
        limits.clean_progress(progress)


def test_blank_reason_becomes_none_and_long_text_is_refused() -> None:
    assert limits.clean_reason("   ") is None
    assert limits.clean_reason(" waits ") == "waits"
    with pytest.raises(ValidationFailed, match="at most"):
        limits.clean_reason("x" * (limits.REASON_MAX + 1))
    with pytest.raises(ValidationFailed, match="description"):
        limits.clean_text("x" * 11, "description", 10)
