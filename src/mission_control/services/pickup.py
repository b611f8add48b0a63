"""Loading what the pickup rule (domain/pickup.py) decides on: the operator's pauses, daily
budgets, WIP, token floor, whether the pickup must wait for the operator's approval (manual
mode), and the per-candidate checks `claim_next` makes (skills, dependencies)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.pickup import Gate, switch_refusal, wip_refusal
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
    refusal = switch_refusal(autonomy.paused, agent, ctx.settings.token_budget_floor)
    if refusal is not None:
        return refusal
    if reason := await budget_refusal(ctx, agent, conn):
        return Gate(reason, True)
    held = (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent.id)
        .using_db(conn)
        .count()
    )
    refusal = wip_refusal(agent, held)
    if refusal is not None:
        return refusal
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
