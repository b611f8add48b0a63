"""Agents, the credentials that authenticate people and agents, and pickup approvals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from mission_control.domain.actors import Role
from mission_control.domain.agents import AgentStatus, ApprovalStatus

if TYPE_CHECKING:
    from mission_control.models.tasks import Task


class Agent(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    skills: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    status = fields.CharEnumField(AgentStatus, max_length=20, default=AgentStatus.IDLE)
    current_load = fields.SmallIntField(default=0)
    wip_limit = fields.SmallIntField(default=1)
    paused = fields.BooleanField(default=False)
    token_budget = fields.IntField(null=True)
    note = fields.TextField(null=True)
    last_heartbeat_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    # The bounded tail of what its command printed (domain/output.py), for the task
    # output_task_id; the OUTPUT Event of its latest report is output_event_id (pruned when
    # the next report supersedes it).
    output_tail = fields.TextField(default="")
    output_task_id = fields.IntField(null=True)
    output_at = fields.DatetimeField(null=True)
    output_event_id = fields.BigIntField(null=True)

    class Meta:
        table = "agents"


class Credential(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=20)
    name = fields.CharField(max_length=64)
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="credentials", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)

    agent_id: int | None

    class Meta:
        table = "credentials"


class Approval(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "models.Task", related_name="approvals", on_delete=fields.CASCADE
    )
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="approvals", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ApprovalStatus, max_length=20, default=ApprovalStatus.PENDING)
    requested_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.CharField(max_length=100, null=True)

    task_id: int
    agent_id: int

    class Meta:
        table = "approvals"
