"""Agent rows: registered, listed, updated by heartbeats and the operator's switches, and the
tasks each one is working on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.store.views import TaskView, task_view


async def agent_exists(name: str) -> bool:
    return await Agent.exists(name=name)


async def add_agent(
    conn: BaseDBAsyncClient, name: str, skills: list[str], wip_limit: int, at: datetime
) -> Agent:
    """A new agent row (in a change)."""
    return await Agent.create(
        name=name, skills=skills, wip_limit=wip_limit, created_at=at, using_db=conn
    )


async def all_agents() -> list[Agent]:
    """Every agent, by name."""
    return list(await Agent.all().order_by("name"))


async def update_agent(conn: BaseDBAsyncClient, agent: Agent, **changes: object) -> None:
    """Write these columns of the agent's row and keep the loaded row in step."""
    await Agent.filter(id=agent.id).using_db(conn).update(**changes)
    for name, value in changes.items():
        setattr(agent, name, value)


async def waiting_agent_ids() -> set[int]:
    """Agents with a pickup waiting for the operator's answer."""
    ids = await Approval.filter(status=ApprovalStatus.PENDING).values_list("agent_id", flat=True)
    return {int(str(agent_id)) for agent_id in ids}


async def held_tasks(agent_id: int, conn: BaseDBAsyncClient) -> list[Task]:
    """The tasks the agent is working on (in a change, to renew their leases)."""
    return list(
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent_id).using_db(conn)
    )


async def first_held_task(agent_id: int, conn: BaseDBAsyncClient) -> Task | None:
    """The agent's oldest task in progress (its assignee loaded), for a change."""
    task: Task | None = await (
        Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent_id)
        .using_db(conn)
        .prefetch_related("assignee")
        .order_by("id")
        .first()
    )
    return task


async def current_tasks(agent_ids: Sequence[int]) -> dict[int, TaskView]:
    """The task each agent is working on now (agents without one are left out)."""
    rows = await Task.filter(
        status=TaskStatus.IN_PROGRESS, assignee_id__in=list(agent_ids)
    ).select_related("assignee")
    return {row.assignee_id: task_view(row) for row in rows if row.assignee_id is not None}
