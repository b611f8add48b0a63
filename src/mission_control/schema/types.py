"""Output types: what clients read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, cast

import strawberry
from strawberry.scalars import JSON

from mission_control.domain.agents import AgentStatus as DomainAgentStatus
from mission_control.domain.agents import ClaimOutcome as DomainClaimOutcome
from mission_control.domain.events import EventKind as DomainEventKind
from mission_control.domain.events import EventRecord
from mission_control.domain.supervision import LimitOverrides, effective_limits
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import TaskStatus as DomainTaskStatus
from mission_control.schema.supervision import TaskLimits
from mission_control.schema.usage import AgentBudget, Usage
from mission_control.services.budgets import budget_state
from mission_control.services.comments import CommentView
from mission_control.services.supervision import default_limits
from mission_control.store.usage import agent_totals
from mission_control.store.views import AgentView, TaskView

if TYPE_CHECKING:
    from mission_control.store.queries import Column as ColumnData
    from mission_control.store.queries import TaskPage

strawberry.enum(DomainTaskStatus, name="TaskStatus")
TaskStatus = DomainTaskStatus
strawberry.enum(DomainEventKind, name="EventKind")
EventKind = DomainEventKind
strawberry.enum(DomainAgentStatus, name="AgentStatus")
AgentStatus = DomainAgentStatus
strawberry.enum(DomainClaimOutcome, name="ClaimOutcome")
ClaimOutcome = DomainClaimOutcome


@strawberry.type(description="A remark on a task by the operator or one of its agents.")
class Comment:
    id: int
    task_id: int
    author: str = strawberry.field(description="Who wrote it: `operator`, `agent:NAME`, ...")
    body: str
    created_at: datetime

    @classmethod
    def from_view(cls, view: CommentView) -> Comment:
        return cls(
            id=view.id,
            task_id=view.task_id,
            author=view.author,
            body=view.body,
            created_at=view.created_at,
        )


@strawberry.type(description="A unit of work on the board.")
class Task:
    id: int
    title: str
    description: str
    priority: int | None = strawberry.field(description="1 (most urgent) to 5; null until set.")
    tags: list[str]
    status: TaskStatus
    assignee: str | None = strawberry.field(description="The agent assigned or holding it.")
    progress: int
    parent_id: int | None
    version: int = strawberry.field(description="Bumped by every change; pass as expectedVersion.")
    block_reason: str | None
    result: str | None
    feedback: str | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    attempts: int = strawberry.field(description="Failed attempts since it was last unblocked.")
    retry_at: datetime | None = strawberry.field(
        description="After a failed attempt: not handed out before this time."
    )
    own_limits: strawberry.Private[LimitOverrides]
    stuck_since: datetime | None = strawberry.field(
        default=None, description="Set while in progress with no report or heartbeat for long."
    )

    @strawberry.field(description="The limits its attempts run under.")
    def limits(self, info: strawberry.Info) -> TaskLimits:
        defaults = default_limits(info.context.services.settings)
        return TaskLimits.of(effective_limits(self.own_limits, defaults))

    @strawberry.field(description="Tokens and dollars its agents reported spending on it.")
    async def usage(self, info: strawberry.Info) -> Usage:
        return Usage.from_totals(await info.context.loaders.usage.load(self.id))

    @strawberry.field(description="Its comments, oldest first (the newest 100).")
    async def comments(self, info: strawberry.Info) -> list[Comment]:
        views = await info.context.loaders.comments.load(self.id)
        return [Comment.from_view(view) for view in views]

    @strawberry.field(description="The tasks whose parent this is.")
    async def subtasks(self, info: strawberry.Info) -> list[Task]:
        return [Task.from_view(view) for view in await info.context.loaders.subtasks.load(self.id)]

    @strawberry.field(
        description="Ids of the tasks this one waits for; it is not handed out until they are done."
    )
    async def depends_on(self, info: strawberry.Info) -> list[int]:
        ids: list[int] = await info.context.loaders.depends_on.load(self.id)
        return ids

    @classmethod
    def from_view(cls, view: TaskView) -> Task:
        return cls(
            id=view.id,
            title=view.title,
            description=view.description,
            priority=view.priority,
            tags=list(view.tags),
            status=view.status,
            assignee=view.assignee,
            progress=view.progress,
            parent_id=view.parent_id,
            version=view.version,
            block_reason=view.block_reason,
            result=view.result,
            feedback=view.feedback,
            created_at=view.created_at,
            updated_at=view.updated_at,
            status_changed_at=view.status_changed_at,
            claimed_at=view.claimed_at,
            lease_expires_at=view.lease_expires_at,
            attempts=view.attempts,
            retry_at=view.retry_at,
            own_limits=view.own_limits,
            stuck_since=view.stuck_since,
        )


@strawberry.type(description="One entry of the audit log; ids increase.")
class Event:
    id: int
    kind: EventKind
    actor: str
    created_at: datetime
    task_id: int | None
    agent_name: str | None
    from_status: TaskStatus | None
    to_status: TaskStatus | None
    payload: JSON

    @classmethod
    def from_record(cls, record: EventRecord) -> Event:
        return cls(
            id=record.id,
            kind=record.kind,
            actor=record.actor,
            created_at=record.created_at,
            task_id=record.task_id,
            agent_name=record.agent_name,
            from_status=record.from_status,
            to_status=record.to_status,
            payload=cast(JSON, record.payload),
        )


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


async def _total_count(root: strawberry.Parent[TaskConnection]) -> int:
    # Counted only when the query selects it: a COUNT over the filter grows with the table.
    return await root.count()


@strawberry.type
class TaskConnection:
    nodes: list[Task]
    total_count: int = strawberry.field(resolver=_total_count)
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @classmethod
    def from_page(cls, page: TaskPage, count: Callable[[], Awaitable[int]]) -> TaskConnection:
        return cls(
            nodes=[Task.from_view(view) for view in page.tasks],
            page_info=PageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next),
            count=count,
        )


@strawberry.type(description="A board column: its status, how many tasks, the first cards.")
class Column:
    status: TaskStatus
    count: int
    tasks: list[Task]

    @classmethod
    def from_data(cls, column: ColumnData) -> Column:
        return cls(
            status=column.status,
            count=column.count,
            tasks=[Task.from_view(view) for view in column.tasks],
        )


@strawberry.type
class Board:
    columns: list[Column]


@strawberry.type
class Agent:
    id: int
    name: str
    skills: list[str]
    status: AgentStatus
    wip_limit: int = strawberry.field(
        description="Tasks it may hold in progress at once; at the limit it picks up nothing."
    )
    paused: bool
    current_load: int = strawberry.field(
        description="Routing's load, in percent of wipLimit: tasks in progress, ready tasks "
        "assigned to it and pickups awaiting approval. It can read 100 while the agent holds "
        "nothing (a rework waiting for it); the WIP limit itself counts only tasks in progress."
    )
    token_budget: int | None
    last_heartbeat_at: datetime | None
    current_task: Task | None = strawberry.field(
        default=None, description="The task it is working on now."
    )
    elapsed_seconds: int | None = strawberry.field(
        default=None, description="Seconds since it claimed its current task."
    )
    progress: int | None = strawberry.field(
        default=None, description="Progress of its current task, in percent."
    )
    note: str | None = strawberry.field(default=None, description="What its last heartbeat said.")
    output_tail: str = strawberry.field(
        default="",
        description="The last lines its command printed (at most 200 lines, 16,000 "
        "characters), for the task outputTaskId; cleared when it claims a new task.",
    )
    output_task_id: int | None = strawberry.field(
        default=None, description="The task outputTail was printed on."
    )
    output_at: datetime | None = strawberry.field(
        default=None, description="When its runner last reported output."
    )

    @strawberry.field(description="What it reported spending today (UTC).")
    async def usage_today(self, info: strawberry.Info) -> Usage:
        today = day_of(info.context.services.clock())
        return Usage.from_totals(await agent_totals(self.id, today))

    @strawberry.field(description="Its daily budget, today's usage and any budget pause.")
    async def budget(self, info: strawberry.Info) -> AgentBudget:
        return AgentBudget.from_state(await budget_state(info.context.services, self.id, self.name))

    @classmethod
    def from_view(
        cls, view: AgentView, task: TaskView | None = None, now: datetime | None = None
    ) -> Agent:
        elapsed = None
        if task is not None and task.claimed_at is not None and now is not None:
            elapsed = max(0, int((now - task.claimed_at).total_seconds()))
        return cls(
            current_task=Task.from_view(task) if task is not None else None,
            elapsed_seconds=elapsed,
            progress=task.progress if task is not None else None,
            note=view.note,
            output_tail=view.output_tail,
            output_task_id=view.output_task_id,
            output_at=view.output_at,
            id=view.id,
            name=view.name,
            skills=list(view.skills),
            status=view.status,
            wip_limit=view.wip_limit,
            paused=view.paused,
            current_load=view.current_load,
            token_budget=view.token_budget,
            last_heartbeat_at=view.last_heartbeat_at,
        )


@strawberry.type(description="A new agent and its token; the token is shown only this once.")
class AgentRegistration:
    agent: Agent
    token: str


@strawberry.type(description="What asking for the next task gave: a claim, a wait, or nothing.")
class Claim:
    outcome: ClaimOutcome
    task: Task | None
    approval_id: int | None
    reason: str | None
