"""Who holds what, as rows: the agent locked for a move, what it holds, its pending request,
the switches' row, and the leases that ran out.

The claim itself reads through store/claims.py's named SQL; these are the ORM rows the other
paths work on inside their change (services/moves.py writes the locked agent as a task's
assignee, an approval answers with its request) and the lease keeper's sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import AgentStatus, ApprovalStatus
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Approval, Control, Task

AUTONOMY_KEY = "autonomy"  # value: {"paused": bool, "mode": "auto" | "manual"}


async def lock_agent_row(conn: BaseDBAsyncClient, name: str) -> Agent | None:
    """The agent's row, locked until the change commits (a no-op re-lock within one)."""
    agent: Agent | None = await Agent.filter(name=name).using_db(conn).select_for_update().first()
    return agent


async def held_count(conn: BaseDBAsyncClient, agent_id: int) -> int:
    """How many tasks the agent has in progress now."""
    query = Task.filter(status=TaskStatus.IN_PROGRESS, assignee_id=agent_id).using_db(conn)
    return await query.count()


async def agent_name(conn: BaseDBAsyncClient, agent_id: int) -> str | None:
    row = await Agent.filter(id=agent_id).using_db(conn).only("name").first()
    return row.name if row is not None else None


async def pending_request(conn: BaseDBAsyncClient, agent_id: int) -> Approval | None:
    """The agent's open pickup request, with its task (and assignee) and agent."""
    approval: Approval | None = (
        await Approval.filter(agent_id=agent_id, status=ApprovalStatus.PENDING)
        .using_db(conn)
        .prefetch_related("task__assignee", "agent")
        .first()
    )
    return approval


async def autonomy_value(conn: BaseDBAsyncClient | None = None) -> Any:
    """The operator's stored switches (None until set)."""
    row = await Control.filter(key=AUTONOMY_KEY).using_db(conn).first()
    return row.value if row is not None else None


async def save_autonomy(conn: BaseDBAsyncClient, value: dict[str, Any]) -> None:
    await Control.update_or_create(defaults={"value": value}, key=AUTONOMY_KEY, using_db=conn)


async def expired_lease_ids(now: datetime) -> list[int]:
    """Tasks in progress whose lease ran out before `now`."""
    rows = await Task.filter(status=TaskStatus.IN_PROGRESS, lease_expires_at__lt=now).only("id")
    return [task.id for task in rows]


async def mark_offline(conn: BaseDBAsyncClient, agent_id: int) -> None:
    """An agent that let its lease run out is taken for gone until it shows life again."""
    await Agent.filter(id=agent_id).using_db(conn).update(status=AgentStatus.OFFLINE)
