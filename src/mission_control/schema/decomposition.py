"""GraphQL types of decomposition: a proposal of subtasks, and what was written from it."""

from __future__ import annotations

import strawberry

from mission_control.domain.decomposition import ProposedSubtask as ProposedSubtaskData
from mission_control.schema.types import Task


@strawberry.type(description="One subtask of a decomposition proposal.")
class ProposedSubtask:
    title: str
    description: str
    priority: int | None
    tags: list[str]
    depends_on: list[int] = strawberry.field(
        description="Indexes (0-based) of the proposal's subtasks this one waits for."
    )

    @classmethod
    def from_data(cls, data: ProposedSubtaskData) -> ProposedSubtask:
        return cls(
            title=data.title,
            description=data.description,
            priority=data.priority,
            tags=list(data.tags),
            depends_on=list(data.depends_on),
        )


@strawberry.type(description="A proposal for splitting a task, and the subtasks written.")
class Decomposition:
    task: Task
    subtasks: list[ProposedSubtask]
    created: list[Task] = strawberry.field(
        description="The subtasks created, in proposal order; empty in preview."
    )


@strawberry.input(description="One subtask of a proposal the operator accepts (maybe edited).")
class SubtaskInput:
    title: str
    description: str = ""
    priority: int | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    depends_on: list[int] = strawberry.field(
        default_factory=list, description="Indexes (0-based) of the other subtasks it waits for."
    )

    def to_data(self) -> ProposedSubtaskData:
        return ProposedSubtaskData(
            title=self.title,
            description=self.description,
            priority=self.priority,
            tags=tuple(self.tags),
            depends_on=tuple(self.depends_on),
        )
