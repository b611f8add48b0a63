"""Output types of the autonomous loop: autonomy switches, approval requests, agent activity."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.domain.activity import Activity
from mission_control.domain.activity import ActivityType as DomainActivityType
from mission_control.domain.agents import ApprovalStatus as DomainApprovalStatus
from mission_control.domain.control import AutonomyMode as SettingsAutonomyMode
from mission_control.schema.types import Task
from mission_control.services.control import Autonomy as AutonomyData
from mission_control.services.output import AgentOutput as AgentOutputData
from mission_control.store.views import ApprovalView, TaskView

strawberry.enum(SettingsAutonomyMode, name="AutonomyMode")
AutonomyMode = SettingsAutonomyMode
strawberry.enum(DomainApprovalStatus, name="ApprovalStatus")
ApprovalStatus = DomainApprovalStatus
strawberry.enum(DomainActivityType, name="ActivityType")
ActivityType = DomainActivityType


@strawberry.type(description="The operator's board-wide switches.")
class Autonomy:
    paused: bool
    mode: AutonomyMode

    @classmethod
    def from_data(cls, data: AutonomyData) -> Autonomy:
        return cls(paused=data.paused, mode=data.mode)


@strawberry.type(description="An agent's request to pick a task up, in manual mode.")
class Approval:
    id: int
    task_id: int
    task: Task
    agent: str
    status: ApprovalStatus
    requested_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None

    @classmethod
    def from_view(cls, view: ApprovalView) -> Approval:
        return cls(
            id=view.id,
            task_id=view.task_id,
            task=Task.from_view(view.task),
            agent=view.agent,
            status=view.status,
            requested_at=view.requested_at,
            expires_at=view.expires_at,
            decided_at=view.decided_at,
            decided_by=view.decided_by,
        )


@strawberry.type(description="One of the seed's agent activity messages.")
class AgentActivity:
    type: ActivityType
    agent: str
    task: Task | None
    progress: int | None
    reason: str | None
    event_id: int
    at: datetime

    @classmethod
    def from_activity(cls, activity: Activity, task: TaskView | None) -> AgentActivity:
        return cls(
            type=activity.type,
            agent=activity.agent,
            task=Task.from_view(task) if task is not None else None,
            progress=activity.progress,
            reason=activity.reason,
            event_id=activity.event.id,
            at=activity.event.created_at,
        )


@strawberry.type(description="The tail of an agent's command output, as the server keeps it.")
class AgentOutput:
    agent: str
    task_id: int | None
    tail: str = strawberry.field(description="The last lines (at most 200, 16,000 characters).")
    lines: int = strawberry.field(description="How many lines the tail holds.")
    updated_at: datetime | None

    @classmethod
    def from_data(cls, data: AgentOutputData) -> AgentOutput:
        return cls(
            agent=data.agent,
            task_id=data.task_id,
            tail=data.tail,
            lines=len(data.lines),
            updated_at=data.at,
        )
