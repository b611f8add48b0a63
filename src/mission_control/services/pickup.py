"""Loading what the pickup rule (domain/pickup.py) decides on: the operator's pauses, daily
budgets, WIP, token floor, whether the pickup must wait for the operator's approval (manual
mode), and the per-candidate checks `claim_next` makes (skills, dependencies)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import NotFound
from mission_control.domain.pickup import (
    Gate,
    PickupFacts,
    refusal,
    switch_refusal,
    wip_refusal,
)
from mission_control.domain.routing import fits
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.services.budgets import budget_refusal
from mission_control.services.control import get_autonomy
from mission_control.services.dependencies import open_dependencies
from mission_control.services.routing import needs_of
from mission_control.settings import Settings
from mission_control.store.context import Context


async def pickup_gate(ctx: Context, agent: Agent, conn: BaseDBAsyncClient) -> Gate:
    """Check the switches cheapest first; the first one that says no gives the reason."""
    autonomy = await get_autonomy(ctx, conn)
    refused = switch_refusal(autonomy.paused, agent, ctx.settings.token_budget_floor)
    if refused is not None:
        return refused
    if reason := await budget_refusal(ctx, agent, conn):
        return Gate(reason, True)
    held = (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent.id)
        .using_db(conn)
        .count()
    )
    refused = wip_refusal(agent, held)
    if refused is not None:
        return refused
    return Gate(
        manual=autonomy.mode is AutonomyMode.MANUAL,
        auto_tags=frozenset(ctx.settings.auto_tags),
    )


async def pending_approval_of(agent: Agent, conn: BaseDBAsyncClient) -> Approval | None:
    """The agent's open request, if it already asked and waits for the operator."""
    approval: Approval | None = (
        await Approval.filter(agent_id=agent.id, status=ApprovalStatus.PENDING)
        .using_db(conn)
        .prefetch_related("task__assignee", "agent")
        .first()
    )
    return approval


async def skipped_task_ids(agent: Agent, conn: BaseDBAsyncClient) -> set[int]:
    """Tasks reserved by a pending request (anyone's), and tasks the operator declined for
    this agent since its last heartbeat."""
    reserved = (
        await Approval.filter(status=ApprovalStatus.PENDING)
        .using_db(conn)
        .values_list("task_id", flat=True)
    )
    declined = Approval.filter(agent_id=agent.id, status=ApprovalStatus.DECLINED)
    if agent.last_heartbeat_at is not None:
        declined = declined.filter(decided_at__gte=agent.last_heartbeat_at)
    refused = await declined.using_db(conn).values_list("task_id", flat=True)
    return {int(task_id) for task_id in [*reserved, *refused]}  # type: ignore[call-overload]


def skills_fit(task: Task, agent: Agent, settings: Settings) -> bool:
    """The agent has every skill the task needs (its skill tags and keyword-map skills)."""
    return fits(agent.skills or (), needs_of(task, settings))


async def dependencies_done(task: Task, conn: BaseDBAsyncClient) -> bool:
    """Every task this one depends on is done: work is handed out in dependency order."""
    return not await open_dependencies(task.id, conn)


async def claimable(task: Task, agent: Agent, conn: BaseDBAsyncClient, settings: Settings) -> bool:
    """All of the per-task checks, cheapest first."""
    return skills_fit(task, agent, settings) and await dependencies_done(task, conn)


# --- Enforcing the one rule atomically, inside the claiming change ------------------------
#
# `check_pickup` locks the agent's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write
# lock serialises transactions anyway), then counts what the agent holds and reads the
# switches, so no interleaving of claims by one agent, in one process or several, can exceed
# its WIP limit: the second claim waits for the first to commit and then counts it.
# Lock order everywhere: the agent's row first, then task rows.


async def lock_agent(name: str, conn: BaseDBAsyncClient) -> Agent:
    """The agent's row, locked until the change commits (a no-op re-lock within one change)."""
    agent: Agent | None = await Agent.filter(name=name).using_db(conn).select_for_update().first()
    if agent is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    return agent


async def held_count(agent_id: int, conn: BaseDBAsyncClient) -> int:
    """How many tasks the agent has in progress now (what its WIP limit bounds)."""
    return (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent_id)
        .using_db(conn)
        .count()
    )


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
    retry_in = (task.retry_at - ctx.clock()).total_seconds() if task.retry_at else 0.0
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
        budget_spent=await budget_refusal(ctx, agent, conn),
        retry_in_seconds=max(retry_in, 0.0),
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
