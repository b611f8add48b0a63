"""Splitting a task into subtasks: the proposal, its checks, and the outline reading of a text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mission_control.domain import limits
from mission_control.domain.errors import ErrorCode, MissionControlError, ValidationFailed

SUBTASKS_MAX = 30

_ITEM = re.compile(
    r"^\s*(?:(?P<bullet>[-*+])|(?P<number>\d+)[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>\S.*)$"
)


class DecomposerFailed(MissionControlError):
    """The decomposer could not give a usable proposal (unreachable, error, nonsense)."""

    code = ErrorCode.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class ProposedSubtask:
    """One subtask of a proposal; `depends_on` holds indexes of earlier or later siblings."""

    title: str
    description: str = ""
    priority: int | None = None
    tags: tuple[str, ...] = ()
    depends_on: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ParentTask:
    """What a decomposer is told about the task it splits."""

    id: int
    title: str
    description: str
    priority: int | None
    tags: tuple[str, ...] = field(default_factory=tuple)


class Decomposer(Protocol):
    """Anything that proposes subtasks for a task; it must not write anything."""

    async def propose(self, task: ParentTask) -> list[ProposedSubtask]: ...


def _acyclic(subtasks: Sequence[ProposedSubtask]) -> None:
    state: dict[int, int] = {}  # 1 visiting, 2 done

    def visit(index: int, path: list[int]) -> None:
        if state.get(index) == 2:
            return
        if state.get(index) == 1:
            cycle = " → ".join(str(i) for i in [*path[path.index(index) :], index])
            raise ValidationFailed(
                f"The proposed subtasks depend on each other in a cycle: {cycle}."
            )
        state[index] = 1
        for after in subtasks[index].depends_on:
            visit(after, [*path, index])
        state[index] = 2

    for index in range(len(subtasks)):
        visit(index, [])


def check_proposal(subtasks: Sequence[ProposedSubtask]) -> list[ProposedSubtask]:
    """The proposal cleaned like any task input, with its dependencies pointing inside it."""
    if not subtasks:
        raise ValidationFailed("A decomposition needs at least one subtask.")
    if len(subtasks) > SUBTASKS_MAX:
        raise ValidationFailed(f"A decomposition can have at most {SUBTASKS_MAX} subtasks.")
    cleaned: list[ProposedSubtask] = []
    for index, item in enumerate(subtasks):
        for target in item.depends_on:
            if not 0 <= target < len(subtasks) or target == index:
                raise ValidationFailed(
                    f"Subtask {index} depends on {target}, which is not another subtask of this "
                    f"proposal (indexes run from 0 to {len(subtasks) - 1}).",
                    subtask=index,
                )
        cleaned.append(
            ProposedSubtask(
                title=limits.clean_title(item.title),
                description=limits.clean_text(
                    item.description, "description", limits.DESCRIPTION_MAX
                ),
                priority=limits.clean_priority(item.priority),
                tags=tuple(limits.clean_tags(item.tags)),
                depends_on=tuple(sorted(set(item.depends_on))),
            )
        )
    _acyclic(cleaned)
    return cleaned


def outline(task: ParentTask) -> list[ProposedSubtask]:
    """Each checklist, numbered or bulleted line of the description becomes a subtask.

    Numbered steps are read as an order (each waits for the one before); bullets as
    independent pieces. A subtask inherits the parent's priority and tags.
    """
    subtasks: list[ProposedSubtask] = []
    previous_numbered: int | None = None
    for line in task.description.splitlines():
        match = _ITEM.match(line)
        if match is None:
            continue
        numbered = match.group("number") is not None
        after = (previous_numbered,) if numbered and previous_numbered is not None else ()
        subtasks.append(
            ProposedSubtask(
                title=match.group("text").strip()[: limits.TITLE_MAX],
                description=f"Part of #{task.id}: {task.title}",
                priority=task.priority,
                tags=task.tags,
                depends_on=after,
            )
        )
        previous_numbered = len(subtasks) - 1 if numbered else None
    if not subtasks:
        raise ValidationFailed(
            f"Task #{task.id}'s description has no checklist, numbered or bulleted lines to "
            f"split into subtasks; add some, or use the llm decomposer.",
            task_id=task.id,
        )
    return subtasks
