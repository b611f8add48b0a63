"""Comments on a task: the review conversation between the operator and its agents."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Comment(Model):
    id = fields.IntField(primary_key=True)
    task_id = fields.IntField()
    author = fields.CharField(max_length=100)  # the actor's label: `operator`, `agent:dev`
    body = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "comments"
        indexes = (Index(fields=("task_id", "id")),)
