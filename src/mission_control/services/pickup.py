"""Loading what the pickup rule (domain/pickup.py) decides on, in one place and once per claim.

A claim reads the agent's side of the rule (`load_agent_side`: the lock on its row, the
operator's switches, its daily budgets, how much it holds, the approval requests in play) once,
then judges each candidate task from the task row alone (services/claims.py: claimNextTask).
`check_pickup` adds the task's own facts for the claim move of every path that names one task
(claimTask, transitionTask, a granted approval, the board, Slack: services/moves.py), so every
path is decided by `refusal` (domain/pickup.py), from the facts `AgentSide.facts` builds. The
statements are store/claims.py's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mission_control.domain.errors import NotFound
from mission_control.domain.pickup import AgentSide, PickupPolicy, agent_side, refusal
from mission_control.domain.usage import day_of
from mission_control.models import Agent, Approval, Task
from mission_control.services.budgets import board_budget
from mission_control.services.dependencies import open_dependencies
from mission_control.services.routing import control_tags
from mission_control.settings import Settings
from mission_control.store import claims as claims_store
from mission_control.store import holding
from mission_control.store.claims import Connection
from mission_control.store.context import Context
from mission_control.store.tasks import load_agent
from mission_control.store.views import task_view

# --- Enforcing the one rule atomically, inside the claiming change ------------------------
#
# `load_agent_side` locks the agent's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write
# lock serialises transactions anyway), then counts what the agent holds and reads the
# switches, so no interleaving of claims by one agent, in one process or several, can exceed
# its WIP limit: the second claim waits for the first to commit and then counts it.
# Lock order everywhere: the agent's row first, then task rows.


async def lock_agent(name: str, conn: Connection) -> Agent:
    """The agent's row, locked until the change commits (a no-op re-lock within one change)."""
    agent = await holding.lock_agent_row(conn, name)
    if agent is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    return agent


async def held_count(agent_id: int, conn: Connection) -> int:
    """How many tasks the agent has in progress now (what its WIP limit bounds)."""
    return await holding.held_count(conn, agent_id)


def pickup_policy(settings: Settings) -> PickupPolicy:
    """The settings the pickup rule reads, as the plain values domain/pickup.py takes."""
    return PickupPolicy(
        token_budget_floor=settings.token_budget_floor,
        auto_tags=frozenset(settings.auto_tags),
        skill_keywords=settings.skill_keywords,
        control_tags=control_tags(settings),
        default_mode=settings.autonomy,
        board_budget=board_budget(settings),
    )


async def load_agent_side(ctx: Context, name: str, conn: Connection, now: datetime) -> AgentSide:
    """Lock the agent's row and read its side of the rule (store/claims.py: one statement on
    SQLite, two on PostgreSQL, whatever the backlog); domain/pickup.py makes it the rule's."""
    policy = pickup_policy(ctx.settings)
    today = day_of(now)
    record = await claims_store.lock_and_read_pickup(
        conn, name, today, board=policy.board_budget.is_set
    )
    if record is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    return agent_side(record, policy, today)


async def pending_approval_of(agent_id: int, conn: Connection) -> Approval | None:
    """The agent's open request, if it already asked and waits for the operator."""
    return await holding.pending_request(conn, agent_id)


async def _assignee_name(task: Task, conn: Connection) -> str | None:
    if task.assignee_id is None:
        return None
    if isinstance(task.assignee, Agent):  # loaded with the task
        return task.assignee.name
    return await holding.agent_name(conn, task.assignee_id)


async def check_pickup(
    ctx: Context, agent_name: str, task: Task, conn: Connection, *, approved: bool = False
) -> Agent:
    """Refuse (raise) unless `agent_name` may be handed `task` now; returns the locked agent.

    `approved`: the operator granted this pickup (manual mode's approval), which answers
    manual mode, a reservation and an earlier decline, but none of the other checks.
    """
    now = ctx.clock()
    side = await load_agent_side(ctx, agent_name, conn, now)
    view = replace(task_view(task), assignee=await _assignee_name(task, conn))
    facts = side.facts(
        view,
        now,
        approved=approved,
        open_dependencies=tuple(await open_dependencies(task.id, conn)),
    )
    error = refusal(facts)
    if error is not None:
        raise error
    return await load_agent(agent_name, conn)  # the row the move writes (locked above)
