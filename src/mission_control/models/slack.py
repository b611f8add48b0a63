"""Slack bookkeeping: Events waiting to be posted, and the thread each task's messages go under."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SlackOutbox(Model):
    """One Event to post; unique per Event so several writers never queue it twice."""

    id = fields.IntField(primary_key=True)
    event_id = fields.BigIntField(unique=True)
    task_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "slack_outbox"


class SlackThread(Model):
    """The first message posted about a task: later ones reply under it."""

    task_id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    ts = fields.CharField(max_length=32)

    class Meta:
        table = "slack_threads"
