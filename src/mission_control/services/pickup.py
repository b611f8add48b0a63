"""Loading what the pickup rule (domain/pickup.py) decides on, in one place and once per claim.

A claim reads the agent's side of the rule (`load_agent_side`: the lock on its row, the
operator's switches, its daily budgets, how much it holds, the approval requests in play) once,
then judges each candidate task from the task row alone. `check_pickup` adds the task's own
facts for the paths that name one task (claimTask, transitionTask, a granted approval), and the
claim move (services/moves.py) accepts either, so every path is decided by `refusal`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count

from mission_control.domain.actors import Actor
from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import Forbidden, NotFound
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

# --- Enforcing the one rule atomically, inside the claiming change ------------------------
#
# `load_agent_side` locks the agent's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write
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
    query = Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent_id).using_db(conn)
    return await query.count()


async def _assigned_counts(agent_id: int, conn: BaseDBAsyncClient) -> dict[str, int]:
    """Tasks assigned to the agent that are in progress (held) or ready for it, in one query."""
    rows = (
        await Task.filter(
            assignee_id=agent_id, status__in=[TaskStatus.IN_PROGRESS, TaskStatus.READY]
        )
        .using_db(conn)
        .annotate(count=Count("id"))
        .group_by("status")
        .values_list("status", "count")
    )
    return {str(status): int(count) for status, count in rows}


@dataclass(frozen=True)
class AgentSide:
    """The agent's side of the pickup rule, read once per claim under the lock on its row."""

    agent: Agent
    globally_paused: bool
    manual_mode: bool
    held: int
    assigned_ready: int  # ready tasks assigned to it (its own come first in claimNext)
    budget_spent: str | None
    reserved: dict[int, str]  # task id → the agent whose pending request reserves it
    declined: frozenset[int]  # tasks the operator declined for it since its last heartbeat
    own_request: int | None  # the task of its own pending request, if it asked and waits

    def gate(self, settings: Settings) -> Gate:
        """The switches, the budget and WIP, cheapest first: the first that says no."""
        refused = switch_refusal(self.globally_paused, self.agent, settings.token_budget_floor)
        if refused is not None:
            return refused
        if self.budget_spent:
            return Gate(self.budget_spent, True)
        refused = wip_refusal(self.agent, self.held)
        if refused is not None:
            return refused
        return Gate(manual=self.manual_mode, auto_tags=frozenset(settings.auto_tags))

    def passes_over(self, task_id: int) -> bool:
        """A task claimNext does not offer it: reserved by a pending request, or declined."""
        return task_id in self.reserved or task_id in self.declined

    def without_request(self, task_id: int) -> AgentSide:
        """After its own stale request was closed: that task is no longer reserved."""
        reserved = {k: v for k, v in self.reserved.items() if k != task_id}
        return replace(self, reserved=reserved, own_request=None)

    def facts(
        self,
        task: Task,
        ctx: Context,
        *,
        approved: bool,
        open_dependencies: tuple[int, ...],
        assignee: str | None,
    ) -> PickupFacts:
        """The rule's facts for handing `task` to this agent now."""
        agent, settings = self.agent, ctx.settings
        auto = bool(set(task.tags) & set(settings.auto_tags))
        retry_in = (task.retry_at - ctx.clock()).total_seconds() if task.retry_at else 0.0
        held = self.held - (task.status is TaskStatus.IN_PROGRESS and task.assignee_id == agent.id)
        return PickupFacts(
            agent=agent.name,
            task_id=task.id,
            globally_paused=self.globally_paused,
            agent_paused=agent.paused,
            manual=self.manual_mode and not auto,
            approved=approved,
            held=held,
            wip_limit=agent.wip_limit,
            token_budget=agent.token_budget,
            budget_floor=settings.token_budget_floor,
            skills_fit=fits(agent.skills or (), needs_of(task, settings)),
            open_dependencies=open_dependencies,
            assignee=assignee,
            reserved_by=self.reserved.get(task.id),
            declined=task.id in self.declined,
            budget_spent=self.budget_spent,
            retry_in_seconds=max(retry_in, 0.0),
        )


async def load_agent_side(ctx: Context, name: str, conn: BaseDBAsyncClient) -> AgentSide:
    """Lock the agent's row and read its side of the rule: five statements, whatever the
    backlog (the budgets add one sum each while a budget is set)."""
    agent = await lock_agent(name, conn)
    autonomy = await get_autonomy(ctx, conn)
    counts = await _assigned_counts(agent.id, conn)
    budget_spent = await budget_refusal(ctx, agent, conn)
    declined = Q(agent_id=agent.id, status=ApprovalStatus.DECLINED)
    if agent.last_heartbeat_at is not None:
        declined &= Q(decided_at__gte=agent.last_heartbeat_at)
    rows = (
        await Approval.filter(Q(status=ApprovalStatus.PENDING) | declined)
        .using_db(conn)
        .values_list("task_id", "agent_id", "agent__name", "status")
    )
    reserved: dict[int, str] = {}
    refused: set[int] = set()
    own: int | None = None
    for task_id, agent_id, agent_name, status in rows:
        if status != ApprovalStatus.PENDING:
            refused.add(int(task_id))
            continue
        if agent_id == agent.id:
            own = int(task_id)
        if agent_id != agent.id or int(task_id) not in reserved:
            reserved[int(task_id)] = str(agent_name)
    return AgentSide(
        agent=agent,
        globally_paused=autonomy.paused,
        manual_mode=autonomy.mode is AutonomyMode.MANUAL,
        held=counts.get(str(TaskStatus.IN_PROGRESS), 0),
        assigned_ready=counts.get(str(TaskStatus.READY), 0),
        budget_spent=budget_spent,
        reserved=reserved,
        declined=frozenset(refused),
        own_request=own,
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


@dataclass(frozen=True)
class Pickup:
    """A pickup the rule allowed, in this change, under the lock on `agent`: the claim move
    takes it instead of reading the facts again (services/moves.py: apply_move)."""

    agent: Agent
    facts: PickupFacts

    def confirm(self, task: Task, actor: Actor, approved: bool) -> Agent:
        """The locked agent, when these facts are about this task, actor and grant."""
        facts = self.facts
        if (facts.task_id, facts.agent, facts.approved) != (task.id, actor.name, approved):
            raise Forbidden(f"The pickup of task #{task.id} was checked for another claim.")
        error = refusal(facts)
        if error is not None:
            raise error
        return self.agent


async def _assignee_name(task: Task, conn: BaseDBAsyncClient) -> str | None:
    if task.assignee_id is None:
        return None
    if isinstance(task.assignee, Agent):  # loaded with the task
        return task.assignee.name
    row = await Agent.filter(id=task.assignee_id).using_db(conn).only("name").first()
    return row.name if row is not None else None


async def check_pickup(
    ctx: Context, agent_name: str, task: Task, conn: BaseDBAsyncClient, *, approved: bool = False
) -> Agent:
    """Refuse (raise) unless `agent_name` may be handed `task` now; returns the locked agent.

    `approved`: the operator granted this pickup (manual mode's approval), which answers
    manual mode, a reservation and an earlier decline, but none of the other checks.
    """
    side = await load_agent_side(ctx, agent_name, conn)
    facts = side.facts(
        task,
        ctx,
        approved=approved,
        open_dependencies=tuple(await open_dependencies(task.id, conn)),
        assignee=await _assignee_name(task, conn),
    )
    error = refusal(facts)
    if error is not None:
        raise error
    return side.agent
