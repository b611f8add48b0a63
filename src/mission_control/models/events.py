"""The audit log: every change is one Event row, with increasing ids, read in (tx, id) order."""

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
    # The writing transaction's id, and the oldest transaction still running when it wrote
    # (both 0 on SQLite): delivery order is (tx, id), see domain/events.py Position (indexed
    # by migration 22).
    tx = fields.BigIntField(default=0)
    tx_floor = fields.BigIntField(default=0)

    class Meta:
        table = "events"
        indexes = (Index(fields=("task_id", "id")), Index(fields=("agent_name", "id")))
