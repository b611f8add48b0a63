"""Usage totals per day, agent, task and model; the daily budgets and their pauses."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from mission_control.models.agents import Agent
from mission_control.models.tasks import Task


class UsageTotal(Model):
    """What one agent reported for one task on one UTC day with one model, summed."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="usage_totals", on_delete=fields.CASCADE
    )
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="usage_totals", on_delete=fields.CASCADE
    )
    model = fields.CharField(max_length=100, default="")
    tokens = fields.BigIntField(default=0)
    cost_micro_usd = fields.BigIntField(default=0)
    reports = fields.IntField(default=0)

    agent_id: int
    task_id: int

    class Meta:
        table = "usage_totals"
        unique_together = (("day", "agent", "task", "model"),)
        indexes = (Index(fields=("agent_id", "day")), Index(fields=("task_id",)))


class Budget(Model):
    """A daily budget and its pause. `scope` is an agent's name, or `*` for the whole board
    (whose limits are settings; its row only records the pause)."""

    scope = fields.CharField(max_length=64, primary_key=True)
    daily_tokens = fields.BigIntField(null=True)
    daily_cost_micro_usd = fields.BigIntField(null=True)
    paused_on = fields.DateField(null=True)
    paused_reason = fields.TextField(null=True)

    class Meta:
        table = "budgets"
