"""The generated client's base model and enums (`mission-control codegen`; do
not edit).

Sources: codegen/schema.graphql and codegen/operations/{agents,cli,mcp,tokens}.graphql.
"""

# ruff: noqa: E501

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Result(BaseModel):
    """Base of every result model: camelCase on the wire, snake_case in Python."""

    # defer_build: a model is built on first use, so a CLI call pays only for what it reads.
    model_config = ConfigDict(populate_by_name=True, frozen=True, defer_build=True)


class AgentStatus(StrEnum):
    IDLE = "IDLE"
    WORKING = "WORKING"
    WAITING = "WAITING"
    BLOCKED = "BLOCKED"
    OFFLINE = "OFFLINE"


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    GRANTED = "GRANTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class AutonomyMode(StrEnum):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class ClaimOutcome(StrEnum):
    CLAIMED = "CLAIMED"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    NOTHING = "NOTHING"


class EventKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    ASSIGNED = "ASSIGNED"
    PROGRESS = "PROGRESS"
    TRIAGED = "TRIAGED"
    CLAIMED = "CLAIMED"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"
    UNBLOCKED = "UNBLOCKED"
    RELEASED = "RELEASED"
    CANCELLED = "CANCELLED"
    LEASE_EXPIRED = "LEASE_EXPIRED"
    APPROVAL_REQUESTED = "APPROVAL_REQUESTED"
    APPROVAL_GRANTED = "APPROVAL_GRANTED"
    APPROVAL_DECLINED = "APPROVAL_DECLINED"
    APPROVAL_EXPIRED = "APPROVAL_EXPIRED"
    HEARTBEAT = "HEARTBEAT"
    AGENT_REGISTERED = "AGENT_REGISTERED"
    AGENT_UPDATED = "AGENT_UPDATED"
    AUTONOMY_CHANGED = "AUTONOMY_CHANGED"
    DEPENDENCY_ADDED = "DEPENDENCY_ADDED"
    DEPENDENCY_REMOVED = "DEPENDENCY_REMOVED"
    DECOMPOSED = "DECOMPOSED"
    USAGE = "USAGE"
    BUDGET_CHANGED = "BUDGET_CHANGED"
    BUDGET_PAUSED = "BUDGET_PAUSED"
    BUDGET_RESUMED = "BUDGET_RESUMED"
    STUCK = "STUCK"
    STUCK_CLEARED = "STUCK_CLEARED"
    TOKEN_ISSUED = "TOKEN_ISSUED"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    ATTEMPT_FAILED = "ATTEMPT_FAILED"
    COMMENTED = "COMMENTED"
    REOPENED = "REOPENED"
    OUTPUT = "OUTPUT"
    WEBHOOK_REGISTERED = "WEBHOOK_REGISTERED"
    WEBHOOK_REPLAYED = "WEBHOOK_REPLAYED"
    WEBHOOK_REMOVED = "WEBHOOK_REMOVED"


class Role(StrEnum):
    OPERATOR = "OPERATOR"
    AGENT = "AGENT"
    VIEWER = "VIEWER"
    SYSTEM = "SYSTEM"


class TaskStatus(StrEnum):
    INTAKE = "INTAKE"
    READY = "READY"
    IN_PROGRESS = "IN_PROGRESS"
    REVIEW = "REVIEW"
    BLOCKED = "BLOCKED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class UsageGroup(StrEnum):
    DAY = "DAY"
    AGENT = "AGENT"
    TASK = "TASK"
    MODEL = "MODEL"
