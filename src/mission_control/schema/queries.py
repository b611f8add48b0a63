"""The Query root: each field's GraphQL signature, converted to and from the resolvers' values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.domain.agents import ApprovalStatus as DomainApprovalStatus
from mission_control.resolvers import agents as agent_resolvers
from mission_control.resolvers import queries
from mission_control.resolvers import tokens as token_resolvers
from mission_control.resolvers import usage as usage_resolvers
from mission_control.resolvers import webhooks as webhook_resolvers
from mission_control.resolvers.context import Info
from mission_control.schema.agents import Approval, ApprovalStatus, Autonomy
from mission_control.schema.inputs import TaskFilter
from mission_control.schema.tokens import TokenInfo
from mission_control.schema.types import Agent, Board, Column, Event, Task, TaskConnection
from mission_control.schema.usage import UsageGroup, UsageTotal
from mission_control.schema.webhooks import Webhook, WebhookDelivery
from mission_control.store.queries import TaskQuery


def task_query(where: TaskFilter | None) -> TaskQuery:
    if where is None:
        return TaskQuery()
    return TaskQuery(
        statuses=tuple(where.status or ()),
        assignee=where.assignee,
        tag=where.tag,
        text=where.text,
        priority=where.priority,
        parent_id=where.parent_id,
    )


def agent_of(view: agent_resolvers.AgentNow) -> Agent:
    return Agent.from_view(view.agent, view.task, view.now)


@strawberry.type
class Query:
    @strawberry.field
    async def task(self, info: Info, id: int) -> Task:
        return Task.from_view(await queries.task(info, id))

    @strawberry.field(description="Tasks newest first, paged.")
    async def tasks(
        self, info: Info, where: TaskFilter | None = None, first: int = 50, after: str | None = None
    ) -> TaskConnection:
        found = await queries.tasks(info, task_query(where), first, after)
        return TaskConnection.from_page(found.page, count=found.count)

    @strawberry.field
    async def board(
        self, info: Info, where: TaskFilter | None = None, per_column: int = 50
    ) -> Board:
        columns = await queries.board(info, task_query(where), per_column)
        return Board(columns=[Column.from_data(column) for column in columns])

    @strawberry.field
    async def task_history(self, info: Info, task_id: int) -> list[Event]:
        return [Event.from_record(record) for record in await queries.task_history(info, task_id)]

    @strawberry.field(description="The audit log after an id.")
    async def events(self, info: Info, after: int = 0, limit: int = 200) -> list[Event]:
        return [Event.from_record(record) for record in await queries.events(info, after, limit)]

    me = strawberry.field(resolver=queries.me, description="Who the token belongs to.")

    @strawberry.field(description="Every agent by name.")
    async def agents(self, info: Info) -> list[Agent]:
        return [agent_of(view) for view in await agent_resolvers.list_agents(info)]

    @strawberry.field
    async def agent(self, info: Info, name: str) -> Agent | None:
        view = await agent_resolvers.agent(info, name)
        return agent_of(view) if view is not None else None

    @strawberry.field(description="Pickup requests (pending by default).")
    async def approvals(
        self, info: Info, status: ApprovalStatus | None = DomainApprovalStatus.PENDING
    ) -> list[Approval]:
        return [
            Approval.from_view(view) for view in await agent_resolvers.list_approvals(info, status)
        ]

    @strawberry.field
    async def autonomy(self, info: Info) -> Autonomy:
        return Autonomy.from_data(await agent_resolvers.autonomy(info))

    @strawberry.field(
        description="Usage totals over the UTC days from `since` to `until`, grouped by the keys "
        "in `groupBy` (none: one total), most tokens first."
    )
    async def usage(
        self,
        info: Info,
        since: datetime,
        until: datetime,
        group_by: list[UsageGroup] | None = None,
    ) -> list[UsageTotal]:
        rows = await usage_resolvers.usage_totals(info, since, until, list(group_by or []))
        return [UsageTotal.from_row(row) for row in rows]

    @strawberry.field(description="Tokens (operator only); no secrets.")
    async def tokens(self, info: Info, include_revoked: bool = False) -> list[TokenInfo]:
        views = await token_resolvers.list_tokens(info, include_revoked)
        return [TokenInfo.from_view(view) for view in views]

    @strawberry.field(description="(Operator) Outbound webhooks and health.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.from_view(view) for view in await webhook_resolvers.webhooks_list(info)]

    @strawberry.field(description="(Operator) A webhook's deliveries.")
    async def webhook_deliveries(
        self, info: Info, webhook_id: int, failed_only: bool = False, first: int = 50
    ) -> list[WebhookDelivery]:
        rows = await webhook_resolvers.webhook_deliveries(info, webhook_id, failed_only, first)
        return [WebhookDelivery.from_view(view) for view in rows]
