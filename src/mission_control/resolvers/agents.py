"""Resolvers of the autonomous loop: agents, heartbeats, autonomy, approvals, activity."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime

from mission_control.domain.activity import ACTIVITY_KINDS, Activity, activity_of
from mission_control.domain.agents import AgentStatus, ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventFilter
from mission_control.models import Agent as AgentRow
from mission_control.models import Task as TaskRow
from mission_control.resolvers.context import Info, caller
from mission_control.services import agents, approvals, control, output
from mission_control.services.agents import clean_agent_name
from mission_control.store.views import (
    AgentView,
    ApprovalView,
    TaskView,
    agent_view,
    approval_view,
    task_view,
)


@dataclass(frozen=True, slots=True)
class AgentNow:
    """An agent with the task it holds now, seen at `now` (for its elapsed time)."""

    agent: AgentView
    task: TaskView | None
    now: datetime


async def _views(info: Info, rows: list[AgentRow]) -> list[AgentNow]:
    current = await agents.current_tasks([row.id for row in rows])
    now = info.context.services.clock()
    held = {agent_id: task_view(task) for agent_id, task in current.items()}
    return [AgentNow(agent_view(row), held.get(row.id), now) for row in rows]


async def _view(info: Info, row: AgentRow) -> AgentNow:
    (view,) = await _views(info, [row])
    return view


async def list_agents(info: Info) -> list[AgentNow]:
    await caller(info)
    return await _views(info, await agents.list_agents(info.context.services))


async def agent(info: Info, name: str) -> AgentNow | None:
    await caller(info)
    try:
        row = await agents.get_agent(name, info.context.services)
    except NotFound:
        return None
    return await _view(info, row)


async def list_approvals(info: Info, status: ApprovalStatus | None) -> list[ApprovalView]:
    await caller(info)
    return [approval_view(row) for row in await approvals.list_approvals(status)]


async def autonomy(info: Info) -> control.Autonomy:
    await caller(info)
    return await control.get_autonomy(info.context.services)


async def heartbeat(
    info: Info, status: AgentStatus | None, token_budget: int | None, note: str | None
) -> AgentNow:
    ctx = info.context.services
    row = await agents.heartbeat(ctx, await caller(info), status, token_budget, note)
    return await _view(info, row)


async def report_output(info: Info, task_id: int, chunk: str) -> output.AgentOutput:
    return await output.report_output(info.context.services, await caller(info), task_id, chunk)


async def pause_agent(info: Info, name: str) -> AgentNow:
    row = await agents.pause_agent(info.context.services, await caller(info), name)
    return await _view(info, row)


async def resume_agent(info: Info, name: str) -> AgentNow:
    row = await agents.resume_agent(info.context.services, await caller(info), name)
    return await _view(info, row)


async def set_autonomy(
    info: Info, paused: bool | None, mode: AutonomyMode | None
) -> control.Autonomy:
    ctx = info.context.services
    return await control.set_autonomy(ctx, await caller(info), paused, mode)


async def decide_approval(info: Info, id: int, approve: bool, reason: str | None) -> ApprovalView:
    ctx = info.context.services
    return approval_view(
        await approvals.decide_approval(ctx, await caller(info), id, approve, reason)
    )


async def cancel_agent_work(info: Info, name: str, reason: str | None) -> TaskView | None:
    ctx = info.context.services
    task = await agents.cancel_agent_work(ctx, await caller(info), name, reason)
    return task_view(task) if task is not None else None


async def issue_viewer_token(info: Info, name: str) -> str:
    return await agents.issue_viewer_token(info.context.services, await caller(info), name)


async def agent_activity(
    info: Info, agent: str | None, since: int | None
) -> AsyncGenerator[tuple[Activity, TaskView | None], None]:
    await caller(info)
    wanted = EventFilter(
        kinds=ACTIVITY_KINDS, agent_name=clean_agent_name(agent) if agent else None
    )
    async for record in info.context.hub.subscribe(since, wanted):
        activity = activity_of(record)
        if activity is None:
            continue
        task = None
        if activity.task_id is not None:
            row = await TaskRow.filter(id=activity.task_id).prefetch_related("assignee").first()
            task = task_view(row) if row is not None else None
        yield activity, task
