"""Manual mode: a pickup becomes a request the operator grants or declines, or that expires.

While a request is pending its task stays ready but reserved (other agents skip it) and the
agent shows `waiting`. Granting claims the task for that agent; declining leaves it in the
pool, and the agent is not offered it again until its next heartbeat.
"""

from __future__ import annotations

from datetime import timedelta

from mission_control.domain import limits
from mission_control.domain.actors import AUTOMATION, Actor, agent_actor
from mission_control.domain.agents import ApprovalStatus
from mission_control.domain.errors import Conflict, NotFound
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import Move, TaskStatus
from mission_control.models import Agent, Approval, Task
from mission_control.services.moves import apply_move
from mission_control.services.pickup import lock_agent
from mission_control.store import approvals as requests
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_task
from mission_control.store.views import ApprovalView, approval_view


async def request_approval(ch: Change, ctx: Context, agent: Agent, task: Task) -> Approval:
    """Reserve a ready task for an agent until the operator answers (inside an open change).

    The caller holds the task row's lock; a request another agent committed just before is
    seen here and turns into CONFLICT, which makes `claim_next` look again.
    """
    if await requests.pending_for_task(task.id, ch.conn):
        raise Conflict(f"Task #{task.id} was just reserved by another agent.", task_id=task.id)
    expires_at = ch.now + timedelta(seconds=ctx.settings.approval_timeout_seconds)
    approval = await requests.add_request(ch.conn, agent, task, ch.now, expires_at)
    ch.record(
        EventKind.APPROVAL_REQUESTED,
        agent_actor(agent.name).label,
        task_id=task.id,
        agent_name=agent.name,
        approval_id=approval.id,
        expires_at=approval.expires_at.isoformat(),
    )
    return approval


async def list_approvals(
    status: ApprovalStatus | None = ApprovalStatus.PENDING,
) -> list[ApprovalView]:
    """Requests with their task and agent, oldest first (all of them when status is None)."""
    return await requests.approval_views(status)


async def _load(approval_id: int, ch: Change) -> Approval:
    approval = await requests.approval_of(approval_id, ch.conn, lock=True)
    if approval is None:
        raise NotFound(f"There is no approval request #{approval_id}.", approval_id=approval_id)
    if approval.status is not ApprovalStatus.PENDING:
        raise Conflict(
            f"Approval request #{approval_id} is already {approval.status}.",
            approval_id=approval_id,
            status=str(approval.status),
        )
    return approval


async def _close(ch: Change, approval: Approval, status: ApprovalStatus, by: str | None) -> None:
    if not await requests.close(ch.conn, approval, status, ch.now, by):
        raise Conflict(f"Approval request #{approval.id} was answered at the same moment.")


async def decide_approval(
    ctx: Context, actor: Actor, approval_id: int, approve: bool, reason: str | None = None
) -> ApprovalView:
    """Grant (the task is claimed for the agent) or decline (it stays in the pool)."""
    require_operator(actor, "answer approval requests")
    text = limits.clean_reason(reason)
    async with change(ctx) as ch:
        requested = await requests.approval_of(approval_id, ch.conn)
        if requested is not None:
            await lock_agent(requested.agent.name, ch.conn)  # the agent before the request
        approval = await _load(approval_id, ch)
        agent: Agent = approval.agent
        task = await load_task(approval.task_id, ch.conn)
        kind = EventKind.APPROVAL_GRANTED if approve else EventKind.APPROVAL_DECLINED
        status = ApprovalStatus.GRANTED if approve else ApprovalStatus.DECLINED
        if approve and task.status is not TaskStatus.READY:
            raise Conflict(
                f"Task #{task.id} is {task.status} now, so it cannot be granted; decline the "
                f"request instead.",
                task_id=task.id,
            )
        await _close(ch, approval, status, actor.label)
        ch.record(
            kind,
            actor.label,
            task_id=task.id,
            agent_name=agent.name,
            approval_id=approval.id,
            reason=text,
        )
        if approve:
            await apply_move(
                ch,
                ctx,
                agent_actor(agent.name, agent.id),
                task,
                TaskStatus.IN_PROGRESS,
                expect=Move.CLAIM,
                approved=True,  # the operator's grant answers manual mode; the rest still apply
                approval_id=approval.id,
            )
        approval.task = task
    return approval_view(approval)


async def close_stale(ch: Change, approval: Approval) -> bool:
    """Expire a pending request whose task is no longer ready (cancelled, blocked, taken by
    the operator's hand); True when it was closed."""
    task: Task = approval.task
    if task.status is TaskStatus.READY:
        return False
    await _close(ch, approval, ApprovalStatus.EXPIRED, AUTOMATION.label)
    ch.record(
        EventKind.APPROVAL_EXPIRED,
        AUTOMATION.label,
        task_id=task.id,
        agent_name=approval.agent.name,
        approval_id=approval.id,
        reason=f"task #{task.id} is {task.status} now",
    )
    return True


async def expire_approvals(ctx: Context) -> int:
    """Periodic job: close requests nobody answered in time; their tasks return to the pool."""
    now = ctx.clock()
    expired = 0
    for approval_id in await requests.overdue_ids(now):
        try:
            async with change(ctx) as ch:
                approval = await _load(approval_id, ch)
                await _close(ch, approval, ApprovalStatus.EXPIRED, AUTOMATION.label)
                ch.record(
                    EventKind.APPROVAL_EXPIRED,
                    AUTOMATION.label,
                    task_id=approval.task_id,
                    agent_name=approval.agent.name,
                    approval_id=approval.id,
                )
            expired += 1
        except (Conflict, NotFound):
            continue  # answered meanwhile
    return expired
