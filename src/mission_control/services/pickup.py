"""Loading what the pickup rule (domain/pickup.py) decides on, in one place and once per claim.

A claim reads the agent's side of the rule (`load_agent_side`: the lock on its row, the
operator's switches, its daily budgets, how much it holds, the approval requests in play) once,
then judges each candidate task from the task row alone (services/claims.py: claimNextTask,
claimTask). `check_pickup` adds the task's own facts for the claim move of the other paths
that name one task (transitionTask, a granted approval, the board, Slack: services/moves.py),
so every path is decided by `refusal` (domain/pickup.py), from the facts built by
`AgentSide.facts`. The statements are store/claims.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.services.budgets import board_budget, budget_verdict
from mission_control.services.control import autonomy_of
from mission_control.services.dependencies import open_dependencies
from mission_control.services.routing import needs_of
from mission_control.settings import Settings
from mission_control.store import claims as claims_store
from mission_control.store.claims import ClaimingAgent
from mission_control.store.context import Context
from mission_control.store.tasks import load_agent
from mission_control.store.views import TaskView, task_view

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


@dataclass(frozen=True)
class AgentSide:
    """The agent's side of the pickup rule, read once per claim under the lock on its row."""

    agent: ClaimingAgent
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

    def passed_over(self) -> list[int]:
        """Tasks claimNext does not offer it: reserved by a pending request, or declined."""
        return sorted(self.reserved.keys() | self.declined)

    def without_request(self, task_id: int) -> AgentSide:
        """After its own stale request was closed: that task is no longer reserved."""
        reserved = {k: v for k, v in self.reserved.items() if k != task_id}
        return replace(self, reserved=reserved, own_request=None)

    def facts(
        self,
        task: TaskView,
        ctx: Context,
        *,
        approved: bool,
        open_dependencies: tuple[int, ...],
    ) -> PickupFacts:
        """The rule's facts for handing `task` (its assignee as read) to this agent now."""
        agent, settings = self.agent, ctx.settings
        auto = bool(set(task.tags) & set(settings.auto_tags))
        retry_in = (task.retry_at - ctx.clock()).total_seconds() if task.retry_at else 0.0
        held = self.held - (task.status is TaskStatus.IN_PROGRESS and task.assignee == agent.name)
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
            skills_fit=fits(agent.skills, needs_of(task, settings)),
            open_dependencies=open_dependencies,
            assignee=task.assignee,
            reserved_by=self.reserved.get(task.id),
            declined=task.id in self.declined,
            budget_spent=self.budget_spent,
            retry_in_seconds=max(retry_in, 0.0),
        )


async def load_agent_side(ctx: Context, name: str, conn: BaseDBAsyncClient) -> AgentSide:
    """Lock the agent's row and read its side of the rule (store/claims.py): one statement on
    SQLite, two on PostgreSQL (the lock, then the facts), whatever the backlog."""
    today = day_of(ctx.clock())
    board = board_budget(ctx.settings).is_set
    record = await claims_store.lock_and_read_pickup(conn, name, today, board=board)
    if record is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    agent = record.agent
    autonomy = autonomy_of(record.autonomy, ctx.settings.autonomy)
    reserved: dict[int, str] = {}
    refused: set[int] = set()
    own: int | None = None
    for approval in record.approvals:
        if not approval.pending:
            refused.add(approval.task_id)
            continue
        if approval.agent_id == agent.id:
            own = approval.task_id
        if approval.agent_id != agent.id or approval.task_id not in reserved:
            reserved[approval.task_id] = approval.agent
    return AgentSide(
        agent=agent,
        globally_paused=autonomy.paused,
        manual_mode=autonomy.mode is AutonomyMode.MANUAL,
        held=record.held,
        assigned_ready=record.assigned_ready,
        budget_spent=budget_verdict(
            ctx.settings, agent.name, record.budget, record.used, record.board_used, today
        ),
        reserved=reserved,
        declined=frozenset(refused),
        own_request=own,
    )


async def pending_approval_of(agent_id: int, conn: BaseDBAsyncClient) -> Approval | None:
    """The agent's open request, if it already asked and waits for the operator."""
    approval: Approval | None = (
        await Approval.filter(agent_id=agent_id, status=ApprovalStatus.PENDING)
        .using_db(conn)
        .prefetch_related("task__assignee", "agent")
        .first()
    )
    return approval


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
    view = replace(task_view(task), assignee=await _assignee_name(task, conn))
    facts = side.facts(
        view,
        ctx,
        approved=approved,
        open_dependencies=tuple(await open_dependencies(task.id, conn)),
    )
    error = refusal(facts)
    if error is not None:
        raise error
    return await load_agent(agent_name, conn)  # the row the move writes (locked above)
