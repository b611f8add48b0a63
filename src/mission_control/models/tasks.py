"""The task row and the edges between tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from mission_control.domain.workflow import TaskStatus

if TYPE_CHECKING:
    from mission_control.models.agents import Agent


class Task(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    priority = fields.SmallIntField(null=True)
    # Space-delimited with a space on each side (" api rust "): a tag matches with a plain
    # LIKE '% tag %' on SQLite and PostgreSQL alike, without JSON operators of either.
    tag_text = fields.CharField(max_length=1000, default=" ")
    status = fields.CharEnumField(TaskStatus, max_length=20, default=TaskStatus.INTAKE)
    assignee: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    progress = fields.SmallIntField(default=0)
    parent: fields.ForeignKeyNullableRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="children", null=True, on_delete=fields.SET_NULL
    )
    version = fields.IntField(default=1)
    block_reason = fields.TextField(null=True)
    result = fields.TextField(null=True)
    feedback = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    status_changed_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    lease_expires_at = fields.DatetimeField(null=True, db_index=True)
    # The supervisor (domain/supervision.py): failed attempts, own limits, no pickup before.
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(null=True)
    max_run_seconds = fields.IntField(null=True)
    retry_backoff_seconds = fields.IntField(null=True)
    retry_at = fields.DatetimeField(null=True)
    stuck_since = fields.DatetimeField(null=True)  # set by the stuck check, see domain/stuck.py

    assignee_id: int | None
    parent_id: int | None

    class Meta:
        table = "tasks"
        indexes = (
            Index(fields=("status", "priority", "created_at")),
            Index(fields=("assignee_id", "status")),
        )

    @property
    def tags(self) -> list[str]:
        return self.tag_text.split()

    @staticmethod
    def tag_text_of(tags: list[str]) -> str:
        return f" {' '.join(tags)} " if tags else " "


class TaskDependency(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="dependency_rows", on_delete=fields.CASCADE
    )
    depends_on: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="dependent_rows", on_delete=fields.CASCADE
    )

    task_id: int
    depends_on_id: int

    class Meta:
        table = "task_dependencies"
        unique_together = (("task", "depends_on"),)
