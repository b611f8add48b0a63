"""Whether an agent may be handed a task right now: the operator's pauses, budgets, WIP,
and whether the pickup must wait for the operator's approval (manual mode)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.services.budgets import budget_refusal
from mission_control.services.context import Context
from mission_control.services.control import get_autonomy
from mission_control.services.roster import below_budget
from mission_control.settings import AutonomyMode


@dataclass(frozen=True)
class Gate:
    """The answer for one agent: a refusal (and whether it is a pause), or the mode to use."""

    refusal: str | None = None
    paused: bool = False
    manual: bool = False
    auto_tags: frozenset[str] = frozenset()

    def needs_approval(self, task: Task) -> bool:
        """Manual mode asks the operator, except for tasks with an always-auto tag."""
        return self.manual and not (set(task.tags) & self.auto_tags)


async def pickup_gate(ctx: Context, agent: Agent, conn: BaseDBAsyncClient) -> Gate:
    """Check the switches cheapest first; the first one that says no gives the reason."""
    autonomy = await get_autonomy(ctx, conn)
    if autonomy.paused:
        return Gate("Autonomy is paused by the operator: no new task is handed out.", True)
    if agent.paused:
        return Gate(f"Agent {agent.name} is paused by the operator.", True)
    if below_budget(agent, ctx.settings):
        return Gate(
            f"Agent {agent.name} reported a token budget of {agent.token_budget}, under the "
            f"floor of {ctx.settings.token_budget_floor}; report more with a heartbeat."
        )
    if reason := await budget_refusal(ctx, agent, conn):
        return Gate(reason, True)
    held = (
        await Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent.id)
        .using_db(conn)
        .count()
    )
    if held >= agent.wip_limit:
        return Gate(
            f"Agent {agent.name} holds {held} task(s), its WIP limit of {agent.wip_limit}; "
            f"finish or release one first."
        )
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
