"""Outbound webhooks: the operator's endpoints and the outbox of deliveries to them."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Webhook(Model):
    """An endpoint that receives the Events its filter matches, signed with its secret."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    secret = fields.CharField(max_length=100)
    kinds: fields.JSONField[list[Any]] = fields.JSONField(
        default=list
    )  # EventKind values; empty: every kind
    statuses: fields.JSONField[list[Any]] = fields.JSONField(
        default=list
    )  # TaskStatus values a move comes from or goes to
    agent_name = fields.CharField(max_length=64, null=True)
    after_event_id = fields.BigIntField(default=0)  # Events up to this one predate it
    created_at = fields.DatetimeField()
    removed_at = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)  # HTTP status of the last attempt (0: no answer)
    last_error = fields.TextField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_delivered_at = fields.DatetimeField(null=True)
    failures = fields.IntField(default=0)  # failed attempts since the last delivery

    class Meta:
        table = "webhooks"


class WebhookDelivery(Model):
    """One Event for one webhook; unique per pair, so several processes queue it once.

    `task_key` is the task id (0 for Events about no task): deliveries of one webhook and task
    go out in Event order. `claimed_until` is the lease of the process sending it; `done_at`
    is set when it was delivered or given up (`failed`).
    """

    id = fields.IntField(primary_key=True)
    webhook_id = fields.IntField()
    event_id = fields.BigIntField()
    task_key = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    done_at = fields.DatetimeField(null=True)
    failed = fields.BooleanField(default=False)

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("webhook_id", "event_id"),)
        indexes = (Index(fields=("done_at", "next_attempt_at")),)
