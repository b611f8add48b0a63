"""The task state machine of the seed: statuses, the moves between them and their guards."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden, InvalidTransition, ValidationFailed


class TaskStatus(StrEnum):
    INTAKE = "intake"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {TaskStatus.INTAKE, TaskStatus.READY, TaskStatus.IN_PROGRESS, TaskStatus.REVIEW}
)
TERMINAL_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})
BOARD_ORDER = (
    TaskStatus.INTAKE,
    TaskStatus.READY,
    TaskStatus.IN_PROGRESS,
    TaskStatus.REVIEW,
    TaskStatus.BLOCKED,
    TaskStatus.DONE,
    TaskStatus.CANCELLED,
)


class Move(StrEnum):
    """A named way of changing a task's status; each one is also the kind of its Event."""

    TRIAGE = "triaged"
    CLAIM = "claimed"
    SUBMIT = "submitted"
    APPROVE = "approved"
    REJECT = "rejected"
    BLOCK = "blocked"
    UNBLOCK = "unblocked"
    RELEASE = "released"
    CANCEL = "cancelled"
    REOPEN = "reopened"


_S = TaskStatus
TRANSITIONS: dict[tuple[TaskStatus, TaskStatus], Move] = {
    (_S.INTAKE, _S.READY): Move.TRIAGE,
    (_S.READY, _S.IN_PROGRESS): Move.CLAIM,
    (_S.IN_PROGRESS, _S.REVIEW): Move.SUBMIT,
    (_S.IN_PROGRESS, _S.READY): Move.RELEASE,
    (_S.REVIEW, _S.DONE): Move.APPROVE,
    # Back to its holder; when the holder is at its WIP limit the rework waits ready, still
    # assigned to it, as its next claim (services/moves.py: _rework_target).
    (_S.REVIEW, _S.IN_PROGRESS): Move.REJECT,
    (_S.BLOCKED, _S.READY): Move.UNBLOCK,
    **{(status, _S.BLOCKED): Move.BLOCK for status in OPEN_STATUSES},
    **{(status, _S.CANCELLED): Move.CANCEL for status in OPEN_STATUSES | {_S.BLOCKED}},
    # The operator takes a closed task up again: to ready when it is complete, else to intake
    # (the same rule as triage, see reopen_target).
    **{(status, to): Move.REOPEN for status in TERMINAL_STATUSES for to in (_S.INTAKE, _S.READY)},
}

# Moves an agent may make, and only on a task it holds (claim is the way to come to hold one).
AGENT_MOVES = frozenset({Move.CLAIM, Move.SUBMIT, Move.BLOCK, Move.RELEASE})
HOLDER_STATUSES = frozenset({TaskStatus.IN_PROGRESS})


def allowed_targets(status: TaskStatus) -> list[TaskStatus]:
    """The statuses a task in `status` can move to, in board order."""
    return [to for to in BOARD_ORDER if (status, to) in TRANSITIONS]


# How a refusal names a status ("task #19 is not in review") and a task in it ("a task in review").
_SAID = {
    _S.INTAKE: "in intake",
    _S.READY: "ready",
    _S.IN_PROGRESS: "in progress",
    _S.REVIEW: "in review",
    _S.BLOCKED: "blocked",
    _S.DONE: "done",
    _S.CANCELLED: "cancelled",
}
_A_TASK = {
    status: f"a {said} task" if " " not in said else f"a task {said}"
    for status, said in _SAID.items()
}
# What a named move does, in a refusal ("only a task in review can be approved").
_VERB = {
    Move.TRIAGE: "made ready",
    Move.CLAIM: "claimed",
    Move.SUBMIT: "submitted for review",
    Move.APPROVE: "approved",
    Move.REJECT: "sent back",
    Move.BLOCK: "blocked",
    Move.UNBLOCK: "unblocked",
    Move.RELEASE: "released",
    Move.CANCEL: "cancelled",
    Move.REOPEN: "reopened",
}


def move_for(
    current: TaskStatus,
    target: TaskStatus,
    *,
    task_id: int | None = None,
    expect: Move | None = None,
) -> Move:
    """The move that takes a task from `current` to `target`, or a refusal naming the problem.

    `expect` is the move the caller asked for by name (unblock, approve, ...); a task in the
    wrong status for it is refused with what is wrong ("Task #19 is not blocked ...").
    """
    move = TRANSITIONS.get((current, target))
    if move is None or (expect is not None and move is not expect):
        raise InvalidTransition(
            refusal(current, target, task_id=task_id, expect=expect),
            current=str(current),
            target=str(target),
        )
    return move


def refusal(
    current: TaskStatus,
    target: TaskStatus,
    *,
    task_id: int | None = None,
    expect: Move | None = None,
) -> str:
    """The sentence that says why a task in `current` cannot go to `target` (by `expect`)."""
    task = "A task" if task_id is None else f"Task #{task_id}"
    verb = _VERB[expect] if expect is not None else f"moved to {_SAID[target]}"
    sources = {frm for (frm, _), m in TRANSITIONS.items() if m is expect}
    if current is target and (expect is None or len(sources) > 1):
        return f"{task} is already {_SAID[current]}."
    if current in TERMINAL_STATUSES and expect is not Move.REOPEN:
        closed = _SAID[current]
        return f"{task} is {closed}, so it cannot be {verb}; a closed task can only be reopened."
    if len(sources) == 1 and current not in sources:
        (need,) = sources
        return (
            f"{task} is not {_SAID[need]} (it is {_SAID[current]}); only {_A_TASK[need]} "
            f"can be {verb}."
        )
    if sources and current not in sources:
        either = " or ".join(_SAID[status] for status in BOARD_ORDER if status in sources)
        return f"{task} is {_SAID[current]}; only a task that is {either} can be {verb}."
    allowed = ", ".join(allowed_targets(current)) or "nothing (it is closed)"
    return (
        f"{task} cannot move from {current} to {target}; from {current} it can move to {allowed}."
    )


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the guards need to know about a task."""

    status: TaskStatus
    assignee: str | None


def check_move(move: Move, task: TaskFacts, actor: Actor, *, reason: str | None = None) -> None:
    """Refuse a move that the actor may not make or that lacks what it needs."""
    if actor.role is Role.VIEWER:
        raise Forbidden("A viewer can look at the board but not change it.")
    if move is Move.BLOCK and not (reason and reason.strip()):
        raise ValidationFailed("Blocking a task needs a reason: say what it is waiting for.")
    if actor.role is not Role.AGENT:
        return
    if move not in AGENT_MOVES:
        raise Forbidden(f"Only the operator can make the move '{move}'.", move=str(move))
    if move is Move.CLAIM:
        return
    if task.status not in HOLDER_STATUSES or task.assignee != actor.name:
        raise Forbidden(
            f"Agent {actor.name} does not hold this task; only its holder or the operator "
            f"can move it.",
            holder=task.assignee,
        )


def is_complete_for_pickup(title: str, description: str, priority: int | None) -> bool:
    """The automation rule intake → ready: title, description and priority are all set."""
    return bool(title.strip()) and bool(description.strip()) and priority is not None


def reopen_target(title: str, description: str, priority: int | None) -> TaskStatus:
    """Where a reopened task goes: ready when complete for pickup, else back to intake."""
    if is_complete_for_pickup(title, description, priority):
        return TaskStatus.READY
    return TaskStatus.INTAKE
