"""Approval rows: an agent's pickup waiting for the operator, and how it was closed."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.agents import ApprovalStatus
from mission_control.models import Agent, Approval, Task
from mission_control.store.views import ApprovalView, approval_view


async def pending_for_task(task_id: int, conn: BaseDBAsyncClient) -> bool:
    """Whether some agent already waits for this task."""
    return await (
        Approval.filter(task_id=task_id, status=ApprovalStatus.PENDING).using_db(conn).exists()
    )


async def add_request(
    conn: BaseDBAsyncClient, agent: Agent, task: Task, at: datetime, expires_at: datetime
) -> Approval:
    """A pending request row (in a change), with its task and agent set."""
    approval = await Approval.create(
        task_id=task.id,
        agent_id=agent.id,
        status=ApprovalStatus.PENDING,
        requested_at=at,
        expires_at=expires_at,
        using_db=conn,
    )
    approval.task = task
    approval.agent = agent
    return approval


async def approval_views(status: ApprovalStatus | None, limit: int = 500) -> list[ApprovalView]:
    """Requests with their task and agent, oldest first (all of them when status is None)."""
    query = Approval.all() if status is None else Approval.filter(status=status)
    rows = await query.order_by("id").limit(limit).prefetch_related("task__assignee", "agent")
    return [approval_view(row) for row in rows]


async def approval_of(
    approval_id: int, conn: BaseDBAsyncClient, *, lock: bool = False
) -> Approval | None:
    """The request with this id and its agent (locked until commit with `lock`)."""
    query = Approval.filter(id=approval_id).using_db(conn)
    if lock:
        query = query.select_for_update()
    approval: Approval | None = await query.prefetch_related("agent").first()
    return approval


async def close(
    conn: BaseDBAsyncClient,
    approval: Approval,
    status: ApprovalStatus,
    at: datetime,
    by: str | None,
) -> bool:
    """Close a pending request; False when it was no longer pending (answered meanwhile)."""
    updated = await (
        Approval.filter(id=approval.id, status=ApprovalStatus.PENDING)
        .using_db(conn)
        .update(status=status, decided_at=at, decided_by=by)
    )
    if updated != 1:
        return False
    approval.status, approval.decided_at, approval.decided_by = status, at, by
    return True


async def overdue_ids(now: datetime) -> list[int]:
    """Pending requests nobody answered before `now`."""
    ids = await Approval.filter(status=ApprovalStatus.PENDING, expires_at__lt=now).values_list(
        "id", flat=True
    )
    return [int(str(approval_id)) for approval_id in ids]
