"""Input types: what clients send."""

from __future__ import annotations

import strawberry

from mission_control.schema.types import TaskStatus


@strawberry.input
class CreateTaskInput:
    title: str
    description: str = ""
    priority: int | None = strawberry.field(default=None, description="1 (most urgent) to 5.")
    tags: list[str] = strawberry.field(default_factory=list)
    parent_id: int | None = None


@strawberry.input(description="Fields left out are not changed.")
class UpdateTaskInput:
    title: str | None = None
    description: str | None = None
    priority: int | None = None
    tags: list[str] | None = None


@strawberry.input
class TaskFilter:
    status: list[TaskStatus] | None = None
    assignee: str | None = None
    tag: str | None = None
    text: str | None = None
    priority: int | None = None
    parent_id: int | None = None
