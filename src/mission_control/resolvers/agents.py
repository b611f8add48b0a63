"""Resolvers of the autonomous loop: agents, heartbeats, autonomy, approvals, activity."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime

from mission_control.domain.activity import ACTIVITY_KINDS, Activity, activity_of
from mission_control.domain.agents import AgentStatus, ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import NotFound
from mission_control.domain.events import EventFilter
from mission_control.resolvers.context import Info, caller
from mission_control.services import agents, approvals, control, output
from mission_control.services.agents import clean_agent_name
from mission_control.store import queries
from mission_control.store.views import AgentView, ApprovalView, TaskView


@dataclass(frozen=True, slots=True)
class AgentNow:
    """An agent with the task it holds now, seen at `now` (for its elapsed time)."""

    agent: AgentView
    task: TaskView | None
    now: datetime


async def _now(info: Info, views: list[AgentView]) -> list[AgentNow]:
    held = await agents.current_tasks([view.id for view in views])
    now = info.context.services.clock()
    return [AgentNow(view, held.get(view.id), now) for view in views]


async def _one_now(info: Info, view: AgentView) -> AgentNow:
    (one,) = await _now(info, [view])
    return one


async def list_agents(info: Info) -> list[AgentNow]:
    await caller(info)
    return await _now(info, await agents.list_agents(info.context.services))


async def agent(info: Info, name: str) -> AgentNow | None:
    await caller(info)
    try:
        view = await agents.get_agent(name, info.context.services)
    except NotFound:
        return None
    return await _one_now(info, view)


async def list_approvals(info: Info, status: ApprovalStatus | None) -> list[ApprovalView]:
    await caller(info)
    return await approvals.list_approvals(status)


async def autonomy(info: Info) -> control.Autonomy:
    await caller(info)
    return await control.get_autonomy(info.context.services)


async def heartbeat(
    info: Info, status: AgentStatus | None, token_budget: int | None, note: str | None
) -> AgentNow:
    ctx = info.context.services
    view = await agents.heartbeat(ctx, await caller(info), status, token_budget, note)
    return await _one_now(info, view)


async def report_output(info: Info, task_id: int, chunk: str) -> output.AgentOutput:
    return await output.report_output(info.context.services, await caller(info), task_id, chunk)


async def pause_agent(info: Info, name: str) -> AgentNow:
    view = await agents.pause_agent(info.context.services, await caller(info), name)
    return await _one_now(info, view)


async def resume_agent(info: Info, name: str) -> AgentNow:
    view = await agents.resume_agent(info.context.services, await caller(info), name)
    return await _one_now(info, view)


async def set_autonomy(
    info: Info, paused: bool | None, mode: AutonomyMode | None
) -> control.Autonomy:
    ctx = info.context.services
    return await control.set_autonomy(ctx, await caller(info), paused, mode)


async def decide_approval(info: Info, id: int, approve: bool, reason: str | None) -> ApprovalView:
    ctx = info.context.services
    return await approvals.decide_approval(ctx, await caller(info), id, approve, reason)


async def cancel_agent_work(info: Info, name: str, reason: str | None) -> TaskView | None:
    ctx = info.context.services
    return await agents.cancel_agent_work(ctx, await caller(info), name, reason)


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
            with contextlib.suppress(NotFound):  # deleted since: the activity stands alone
                task = await queries.get_task(activity.task_id)
        yield activity, task
