"""Enforcing the one pickup rule (domain/pickup.py) atomically, inside the claiming change.

`check_pickup` locks the agent's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock
serialises transactions anyway), then counts what the agent holds and reads the switches, so
no interleaving of claims by one agent, in one process or several, can exceed its WIP limit:
the second claim waits for the first to commit and then counts it.

Lock order everywhere: the agent's row first, then task rows; claim paths call `lock_agent`
before they lock or update a task.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.errors import NotFound
from mission_control.domain.pickup import PickupFacts, refusal
from mission_control.domain.routing import fits
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.services.context import Context
from mission_control.services.control import get_autonomy
from mission_control.services.dependencies import open_dependencies
from mission_control.services.routing import needs_of
from mission_control.settings import AutonomyMode


async def lock_agent(name: str, conn: BaseDBAsyncClient) -> Agent:
    """The agent's row, locked until the change commits (a no-op re-lock within one change)."""
    agent: Agent | None = await Agent.filter(name=name).using_db(conn).select_for_update().first()
    if agent is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    return agent


async def _assignee_name(task: Task, conn: BaseDBAsyncClient) -> str | None:
    if task.assignee_id is None:
        return None
    row = await Agent.filter(id=task.assignee_id).using_db(conn).only("name").first()
    return row.name if row is not None else None


async def pickup_facts(
    ctx: Context, agent: Agent, task: Task, conn: BaseDBAsyncClient, *, approved: bool
) -> PickupFacts:
    autonomy = await get_autonomy(ctx, conn)
    held = (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent.id)
        .exclude(id=task.id)
        .using_db(conn)
        .count()
    )
    pending = (
        await Approval.filter(task_id=task.id, status=ApprovalStatus.PENDING)
        .using_db(conn)
        .prefetch_related("agent")
        .first()
    )
    declined = Approval.filter(agent_id=agent.id, task_id=task.id, status=ApprovalStatus.DECLINED)
    if agent.last_heartbeat_at is not None:
        declined = declined.filter(decided_at__gte=agent.last_heartbeat_at)
    auto = bool(set(task.tags) & set(ctx.settings.auto_tags))
    return PickupFacts(
        agent=agent.name,
        task_id=task.id,
        globally_paused=autonomy.paused,
        agent_paused=agent.paused,
        manual=autonomy.mode is AutonomyMode.MANUAL and not auto,
        approved=approved,
        held=held,
        wip_limit=agent.wip_limit,
        token_budget=agent.token_budget,
        budget_floor=ctx.settings.token_budget_floor,
        skills_fit=fits(agent.skills or (), needs_of(task, ctx.settings)),
        open_dependencies=tuple(await open_dependencies(task.id, conn)),
        assignee=await _assignee_name(task, conn),
        reserved_by=pending.agent.name if pending is not None else None,
        declined=await declined.using_db(conn).exists(),
    )


async def check_pickup(
    ctx: Context, agent_name: str, task: Task, conn: BaseDBAsyncClient, *, approved: bool = False
) -> Agent:
    """Refuse (raise) unless `agent_name` may be handed `task` now; returns the locked agent.

    `approved`: the operator granted this pickup (manual mode's approval), which answers
    manual mode, a reservation and an earlier decline, but none of the other checks.
    """
    agent = await lock_agent(agent_name, conn)
    error = refusal(await pickup_facts(ctx, agent, task, conn, approved=approved))
    if error is not None:
        raise error
    return agent
