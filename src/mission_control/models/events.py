"""The audit log: every change is one Event row, with increasing ids."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    task_id = fields.IntField(null=True)
    agent_name = fields.CharField(max_length=64, null=True)
    kind = fields.CharField(max_length=40)
    from_status = fields.CharField(max_length=20, null=True)
    to_status = fields.CharField(max_length=20, null=True)
    actor = fields.CharField(max_length=100)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "events"
        indexes = (Index(fields=("task_id", "id")), Index(fields=("agent_name", "id")))
