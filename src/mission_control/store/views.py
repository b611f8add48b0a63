"""Read models: plain, frozen copies of rows for the layers above services.

Only store/ and services/ hold ORM rows; what they hand to an edge (GraphQL, later the UI and
Slack) is one of these, built in one function per row type, so a field the readers need is
added in one place and no edge can lazily load a relation or write a row back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mission_control.domain.actors import Role
from mission_control.domain.agents import AgentStatus, ApprovalStatus
from mission_control.domain.events import EventKind
from mission_control.domain.supervision import LimitOverrides
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Credential, Task, Webhook, WebhookDelivery


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task as its readers see it: the assignee by name, its own limit overrides."""

    id: int
    title: str
    description: str
    priority: int | None
    tags: tuple[str, ...]
    status: TaskStatus
    assignee: str | None
    progress: int
    parent_id: int | None
    version: int
    block_reason: str | None
    result: str | None
    feedback: str | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    attempts: int
    retry_at: datetime | None
    own_limits: LimitOverrides
    stuck_since: datetime | None


def overrides_of(row: Task) -> LimitOverrides:
    """The task's own limits (None where the settings' defaults apply)."""
    return LimitOverrides(row.max_attempts, row.max_run_seconds, row.retry_backoff_seconds)


def task_view(row: Task) -> TaskView:
    """The read model of a task row (its assignee prefetched, or it reads as nobody)."""
    agent = row.assignee
    return TaskView(
        id=row.id,
        title=row.title,
        description=row.description,
        priority=row.priority,
        tags=tuple(row.tag_text.split()),  # the column Task.tags reads (" api web ")
        status=row.status,
        assignee=agent.name if isinstance(agent, Agent) else None,
        progress=row.progress,
        parent_id=row.parent_id,
        version=row.version,
        block_reason=row.block_reason,
        result=row.result,
        feedback=row.feedback,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status_changed_at=row.status_changed_at,
        claimed_at=row.claimed_at,
        lease_expires_at=row.lease_expires_at,
        attempts=row.attempts,
        retry_at=row.retry_at,
        own_limits=overrides_of(row),
        stuck_since=row.stuck_since,
    )


def task_views(rows: Iterable[Task]) -> list[TaskView]:
    return [task_view(row) for row in rows]


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent as its readers see it (never its token hash)."""

    id: int
    name: str
    skills: tuple[str, ...]
    status: AgentStatus
    wip_limit: int
    paused: bool
    current_load: int
    token_budget: int | None
    last_heartbeat_at: datetime | None
    note: str | None
    output_tail: str
    output_task_id: int | None
    output_at: datetime | None


def agent_view(row: Agent) -> AgentView:
    """The read model of an agent row."""
    return AgentView(
        id=row.id,
        name=row.name,
        skills=tuple(row.skills),
        status=row.status,
        wip_limit=row.wip_limit,
        paused=row.paused,
        current_load=row.current_load,
        token_budget=row.token_budget,
        last_heartbeat_at=row.last_heartbeat_at,
        note=row.note,
        output_tail=row.output_tail,
        output_task_id=row.output_task_id,
        output_at=row.output_at,
    )


@dataclass(frozen=True, slots=True)
class ApprovalView:
    """An agent's request to pick a task up, with the task as it was read."""

    id: int
    task_id: int
    task: TaskView
    agent: str
    status: ApprovalStatus
    requested_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None


def approval_view(row: Approval) -> ApprovalView:
    """The read model of an approval row (its task, the task's assignee and its agent
    prefetched)."""
    return ApprovalView(
        id=row.id,
        task_id=row.task_id,
        task=task_view(row.task),
        agent=row.agent.name,
        status=row.status,
        requested_at=row.requested_at,
        expires_at=row.expires_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One Event sent (or to be sent) to one webhook."""

    id: int
    event_id: int
    task_id: int | None
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime
    done_at: datetime | None
    failed: bool


def delivery_view(row: WebhookDelivery) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        event_id=row.event_id,
        task_id=row.task_key or None,
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        done_at=row.done_at,
        failed=row.failed,
    )


@dataclass(frozen=True, slots=True)
class TokenView:
    """What may be shown about a token: everything but the secret (and its hash)."""

    id: int
    name: str
    role: Role
    agent: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


def token_view(row: Credential) -> TokenView:
    """The read model of a credential row (its agent prefetched)."""
    agent = row.agent.name if row.agent_id is not None and row.agent else None
    return TokenView(
        id=row.id,
        name=row.name,
        role=row.role,
        agent=agent,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


@dataclass(frozen=True, slots=True)
class WebhookView:
    """An endpoint as the operator sees it: its filter, its health, its open and failed
    deliveries (never its signing secret)."""

    id: int
    url: str
    kinds: tuple[EventKind, ...]
    statuses: tuple[TaskStatus, ...]
    agent: str | None
    created_at: datetime
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    last_delivered_at: datetime | None
    failures: int
    pending: int
    failed: int


def webhook_view(row: Webhook, pending: int = 0, failed: int = 0) -> WebhookView:
    """The read model of a webhook row, with its counts of open and given-up deliveries."""
    return WebhookView(
        id=row.id,
        url=row.url,
        kinds=tuple(EventKind(kind) for kind in row.kinds or ()),
        statuses=tuple(TaskStatus(status) for status in row.statuses or ()),
        agent=row.agent_name,
        created_at=row.created_at,
        last_status=row.last_status,
        last_error=row.last_error,
        last_attempt_at=row.last_attempt_at,
        last_delivered_at=row.last_delivered_at,
        failures=row.failures,
        pending=pending,
        failed=failed,
    )
