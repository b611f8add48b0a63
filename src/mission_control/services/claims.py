"""Claims: an agent takes a ready task (first wins), holds it under a lease, reports progress,
hands it in.

claimNextTask and submitForReview are the requests every agent repeats all day, so their path
is straight: this module orchestrates, store/claims.py holds their statements (named SQL, no
ORM), services/pickup.py turns what they read into the pickup rule's facts and
domain/pickup.py decides. The other claims (transitionTask to in progress, a granted approval)
take services/moves.py's `apply_move`, which asks the same rule through `check_pickup`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from mission_control.domain import limits
from mission_control.domain.actors import LEASE_KEEPER, Actor, Role
from mission_control.domain.agents import ClaimOutcome
from mission_control.domain.errors import Conflict, Forbidden, InvalidTransition
from mission_control.domain.events import EventKind, kind_of
from mission_control.domain.permissions import require_agent
from mission_control.domain.pickup import AgentSide, refusal
from mission_control.domain.usage import UsageReport
from mission_control.domain.workflow import Move, TaskFacts, TaskStatus, check_move, move_for
from mission_control.models import Agent, Task
from mission_control.services.approvals import close_stale, request_approval
from mission_control.services.dependencies import roll_up_progress
from mission_control.services.moves import apply_move
from mission_control.services.moves import submit_for_review as submit_through_move
from mission_control.services.pickup import load_agent_side, pending_approval_of
from mission_control.services.usage_reports import record_usage
from mission_control.store import claims as claims_store
from mission_control.store import holding
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import (
    assignee_name,
    check_version,
    load_agent,
    load_task,
    write_task,
)
from mission_control.store.views import TaskView, task_view

CANDIDATE_LIMIT = 200  # ready tasks one claim looks at before saying nothing fits
CLAIM_ATTEMPTS = 8


async def claim_task(
    ctx: Context, actor: Actor, task_id: int, expected_version: int | None = None
) -> Task:
    """Take one named ready task; of agents claiming at once exactly one wins."""
    require_agent(actor)
    async with change(ctx) as ch:
        # Read without a lock; the claim move locks the agent (the pickup rule's lock order:
        # the agent, then the task row its versioned write locks).
        task = await load_task(task_id, ch.conn)
        check_version(task, expected_version)
        if task.status is TaskStatus.IN_PROGRESS:
            raise Conflict(
                f"Task #{task.id} is already claimed by {assignee_name(task)}.",
                task_id=task.id,
                holder=assignee_name(task),
            )
        # The one pickup rule (pause, manual mode, WIP, budget, assignment, dependencies,
        # skills, reservations) runs inside the claim move itself: services/pickup.py.
        await apply_move(ch, ctx, actor, task, TaskStatus.IN_PROGRESS, expect=Move.CLAIM)
    return task


@dataclass(frozen=True)
class NextClaim:
    """The answer to "next task for me": a claim, a pending approval, or nothing and why."""

    outcome: ClaimOutcome
    task: TaskView | None = None
    approval_id: int | None = None  # the pending request, when the operator must answer
    reason: str | None = None


NOTHING_READY = "No ready task fits this agent right now."
WAITING = "Manual mode: the operator has to approve this pickup."


async def claim_next(ctx: Context, actor: Actor) -> NextClaim:
    """Claim the most urgent, oldest ready task this agent may take."""
    require_agent(actor)
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            async with change(ctx) as ch:
                return await _next_for(ctx, ch, actor)
        except Conflict:
            continue  # another agent won that task between our read and our write: look again
    raise Conflict("Too many agents are claiming at once; try again in a moment.")


async def _candidates(ch: Change, side: AgentSide) -> AsyncIterator[TaskView]:
    """Ready tasks for this agent, its own assignments first, each most urgent then oldest.

    Each is the first ready row that no claim in flight has locked (FOR UPDATE SKIP LOCKED on
    PostgreSQL), locked alone: concurrent agents neither queue behind each other nor hide
    ready tasks from each other. Tasks reserved or declined for it are left out in SQL; those
    it turns down (skills) are passed over, up to a limit. Its own assignments are looked at
    only while some are ready.
    """
    for own in (True, False) if side.assigned_ready > 0 else (False,):
        passed = side.passed_over()
        for _ in range(CANDIDATE_LIMIT):
            task = await claims_store.next_candidate(ch.conn, side.agent, ch.now, passed, own=own)
            if task is None:
                break
            yield task
            passed.append(task.id)


async def _next_for(ctx: Context, ch: Change, actor: Actor) -> NextClaim:
    # The agent's side of the pickup rule, read once under the lock on its row (held to
    # commit: claims by one agent queue); each candidate is then judged from its row alone.
    side = await load_agent_side(ctx, actor.name, ch.conn, ch.now)
    if side.own_request is not None:
        pending = await pending_approval_of(side.agent.id, ch.conn)
        if pending is not None and not await close_stale(ch, pending):
            return NextClaim(
                ClaimOutcome.AWAITING_APPROVAL,
                task=task_view(pending.task),
                approval_id=pending.id,
                reason=WAITING,
            )
        side = side.without_request(side.own_request)
    gate = side.gate()
    if gate.refusal:
        return NextClaim(ClaimOutcome.NOTHING, reason=gate.refusal)
    async for task in _candidates(ch, side):
        # The candidate query leaves out tasks waiting for an open dependency, in SQL.
        facts = side.facts(task, ch.now, approved=False, open_dependencies=())
        if not facts.skills_fit:
            continue
        if gate.needs_approval(task.tags):
            return await _ask_operator(ch, ctx, side, task)
        if refusal(facts) is not None:
            continue
        return NextClaim(ClaimOutcome.CLAIMED, task=await _claim(ch, ctx, actor, side, task))
    return NextClaim(ClaimOutcome.NOTHING, reason=NOTHING_READY)


async def _claim(
    ch: Change, ctx: Context, actor: Actor, side: AgentSide, task: TaskView
) -> TaskView:
    """The claim move on a candidate the rule allowed, under the lock on the agent: the
    workflow's guards, the conditional write, its CLAIMED Event (as services/moves.py's
    `apply_move` records it for the other paths)."""
    move = move_for(task.status, TaskStatus.IN_PROGRESS, task_id=task.id, expect=Move.CLAIM)
    check_move(move, TaskFacts(task.status, task.assignee), actor)
    lease = ch.now + timedelta(seconds=ctx.settings.lease_seconds)
    claimed = await claims_store.claim(ch.conn, task, side.agent, ch.now, lease)
    if claimed is None:
        raise Conflict(f"Task #{task.id} was claimed by someone else first.", task_id=task.id)
    ch.record(
        kind_of(move),
        actor.label,
        task_id=task.id,
        agent_name=side.agent.name,
        from_status=task.status,
        to_status=claimed.status,
    )
    return claimed


async def _ask_operator(ch: Change, ctx: Context, side: AgentSide, task: TaskView) -> NextClaim:
    """Manual mode: reserve the task for this agent until the operator answers."""
    row = await load_task(task.id, ch.conn)
    approval = await request_approval(ch, ctx, await load_agent(side.agent.name, ch.conn), row)
    return NextClaim(
        ClaimOutcome.AWAITING_APPROVAL, task=task, approval_id=approval.id, reason=WAITING
    )


async def submit_for_review(
    ctx: Context,
    actor: Actor,
    task_id: int,
    result: str | None = None,
    expected_version: int | None = None,
    usage: UsageReport | None = None,
) -> TaskView:
    """The holder hands its finished work in: one conditional write and its SUBMITTED Event
    when the agent holds the task and nothing else is involved (no usage to count, no parent
    whose progress rolls up); otherwise, and for every refusal, services/moves.py's move."""
    text = limits.clean_text(result, "result") if result else None
    if usage is None and actor.role is Role.AGENT:
        async with change(ctx) as ch:
            task = await claims_store.submit_held(
                ch.conn, task_id, actor.name, text, ch.now, expected_version
            )
            if task is not None:
                ch.record(
                    kind_of(Move.SUBMIT),
                    actor.label,
                    task_id=task.id,
                    agent_name=actor.name,
                    from_status=TaskStatus.IN_PROGRESS,
                    to_status=task.status,
                    tags=list(task.tags),  # as moves.py's submit: automation reads them
                )
                return task
    return await submit_through_move(ctx, actor, task_id, result, expected_version, usage)


async def report_progress(
    ctx: Context,
    actor: Actor,
    task_id: int,
    progress: int,
    note: str | None = None,
    usage: UsageReport | None = None,
) -> Task:
    """The holder says how far it is (0 to 100), and maybe what it spent; renews its lease."""
    value = limits.clean_progress(progress)
    note = limits.clean_reason(note, "note")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        holder = assignee_name(task)
        if task.status is not TaskStatus.IN_PROGRESS:
            raise InvalidTransition(
                f"Progress is reported on a task in progress; task #{task.id} is {task.status}.",
                current=str(task.status),
            )
        if actor.role is Role.VIEWER or (actor.role is Role.AGENT and holder != actor.name):
            raise Forbidden(
                f"Only the holder of task #{task.id} ({holder}) or the operator can report "
                f"its progress."
            )
        lease = ch.now + timedelta(seconds=ctx.settings.lease_seconds)
        await write_task(ch, task, progress=value, lease_expires_at=lease)
        ch.record(
            EventKind.PROGRESS,
            actor.label,
            task_id=task.id,
            agent_name=holder,
            progress=value,
            note=note,
        )
        await roll_up_progress(ch, task)
        if usage is not None:
            await record_usage(ch, ctx, actor, task, usage)
    return task


async def expire_leases(ctx: Context) -> list[int]:
    """Put tasks whose holder stopped renewing back to ready; returns their ids."""
    now = ctx.clock()
    expired = await holding.expired_lease_ids(now)
    requeued: list[int] = []
    for task_id in expired:
        try:
            async with change(ctx) as ch:
                task = await load_task(task_id, ch.conn)
                if task.status is not TaskStatus.IN_PROGRESS or not (
                    task.lease_expires_at and task.lease_expires_at < ch.now
                ):
                    continue
                holder = task.assignee
                await apply_move(
                    ch,
                    ctx,
                    LEASE_KEEPER,
                    task,
                    TaskStatus.READY,
                    text=f"lease expired: {assignee_name(task)} stopped renewing its claim",
                    expect=Move.RELEASE,
                    kind=EventKind.LEASE_EXPIRED,
                )
                if isinstance(holder, Agent):
                    await holding.mark_offline(ch.conn, holder.id)
            requeued.append(task_id)
        except Conflict:
            continue  # renewed or moved meanwhile
    return requeued
