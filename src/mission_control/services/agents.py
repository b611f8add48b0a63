"""Registering agents and the operator's controls over them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from mission_control.domain import limits
from mission_control.domain.actors import Actor, Role
from mission_control.domain.agents import AgentStatus
from mission_control.domain.errors import Conflict, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_agent, require_operator
from mission_control.domain.pickup import last_seen
from mission_control.domain.presence import effective_status
from mission_control.domain.routing import load_percent
from mission_control.domain.workflow import Move, TaskStatus
from mission_control.models import Agent, Task
from mission_control.services.auth import issue_token
from mission_control.services.moves import apply_move
from mission_control.store import agents as agent_rows
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.roster import held_counts, taken_counts
from mission_control.store.tasks import load_agent, reassign, write_task
from mission_control.store.views import AgentView, TaskView, agent_view, task_view

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def clean_agent_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise ValidationFailed(
            f"Agent name {name[:64]!r} is not valid: use up to 64 lower-case letters, digits, "
            f"- and _.",
            field="name",
        )
    return name


async def register_agent(
    ctx: Context, actor: Actor, name: str, skills: Sequence[str] = (), wip_limit: int = 1
) -> tuple[AgentView, str]:
    """Add an agent with its skills; returns it and its token (shown once, stored hashed)."""
    require_operator(actor, "add agents")
    name = clean_agent_name(name)
    cleaned = limits.clean_tags(skills)
    if not 1 <= wip_limit <= 100:
        raise ValidationFailed("The WIP limit is between 1 and 100.", field="wip_limit")
    if await agent_rows.agent_exists(name):
        raise Conflict(f"An agent named {name!r} already exists.", agent=name)
    async with change(ctx) as ch:
        agent = await agent_rows.add_agent(ch.conn, name, cleaned, wip_limit, ch.now)
        token = await issue_token(ctx, Role.AGENT, name, agent.id, ch)
        ch.record(EventKind.AGENT_REGISTERED, actor.label, agent_name=name, skills=cleaned)
    return agent_view(agent), token


async def _present(agents: list[Agent], ctx: Context) -> list[AgentView]:
    """The agents as read models, with what is computed on read: the shown status (offline
    after silence) and load."""
    settings, now = ctx.settings, ctx.clock()
    held = await held_counts()
    taken = await taken_counts()
    waiting = await agent_rows.waiting_agent_ids()
    return [
        replace(
            agent_view(agent),
            status=effective_status(
                agent.status,
                holding=held.get(agent.id, 0) > 0,
                waiting=agent.id in waiting,
                last_seen=last_seen(agent),
                now=now,
                offline_after_seconds=settings.offline_after_seconds,
            ),
            current_load=load_percent(taken.get(agent.id, 0), agent.wip_limit),
        )
        for agent in agents
    ]


@dataclass(frozen=True)
class Workload:
    """What an agent has on its plate: tasks in progress (what its WIP limit counts) and tasks
    queued for it (ready and assigned to it, or reserved by a pickup awaiting approval).
    `current_load` is both over the WIP limit: routing's measure, not the pickup rule's."""

    held: int
    queued: int
    wip_limit: int


async def workloads(agents: Sequence[AgentView]) -> dict[str, Workload]:
    """Each agent's workload by name."""
    held, taken = await held_counts(), await taken_counts()
    return {
        agent.name: Workload(
            held=held.get(agent.id, 0),
            queued=max(0, taken.get(agent.id, 0) - held.get(agent.id, 0)),
            wip_limit=agent.wip_limit,
        )
        for agent in agents
    }


async def list_agents(ctx: Context) -> list[AgentView]:
    """Every agent by name, with its status as the board shows it (offline when silent)."""
    return await _present(await agent_rows.all_agents(), ctx)


async def get_agent(name: str, ctx: Context) -> AgentView:
    """One agent by name, or NOT_FOUND."""
    (agent,) = await _present([await load_agent(clean_agent_name(name))], ctx)
    return agent


async def current_tasks(agent_ids: Sequence[int]) -> dict[int, TaskView]:
    """The task each agent is working on now (agents without one are left out)."""
    return await agent_rows.current_tasks(agent_ids)


async def heartbeat(
    ctx: Context,
    actor: Actor,
    status: AgentStatus | None = None,
    token_budget: int | None = None,
    note: str | None = None,
) -> AgentView:
    """The calling agent is alive: records what it says and renews the lease it holds."""
    require_agent(actor, "send heartbeats")
    if token_budget is not None and token_budget < 0:
        raise ValidationFailed("The token budget cannot be negative.", field="tokenBudget")
    note = limits.clean_reason(note, "note")
    async with change(ctx) as ch:
        agent = await load_agent(actor.name, ch.conn)
        held = await agent_rows.held_tasks(agent.id, ch.conn)
        shown = status or (AgentStatus.WORKING if held else AgentStatus.IDLE)
        changes: dict[str, object] = {"last_heartbeat_at": ch.now, "status": shown, "note": note}
        if token_budget is not None:
            changes["token_budget"] = token_budget
        await agent_rows.update_agent(ch.conn, agent, **changes)
        lease = ch.now + timedelta(seconds=ctx.settings.lease_seconds)
        for task in held:
            task.assignee = agent
            await write_task(ch, task, lease_expires_at=lease)
        ch.record(
            EventKind.HEARTBEAT,
            actor.label,
            agent_name=agent.name,
            holding=held[0].id if held else None,  # not task_id: keeps task histories clean
            status=str(shown),
            token_budget=token_budget,
            note=note,
        )
    return (await _present([agent], ctx))[0]


async def _set_paused(ctx: Context, actor: Actor, name: str, paused: bool) -> AgentView:
    require_operator(actor, "pause or resume agents")
    async with change(ctx) as ch:
        agent = await load_agent(clean_agent_name(name), ch.conn)
        if agent.paused != paused:
            await agent_rows.update_agent(ch.conn, agent, paused=paused)
            ch.record(EventKind.AGENT_UPDATED, actor.label, agent_name=agent.name, paused=paused)
    return (await _present([agent], ctx))[0]


async def pause_agent(ctx: Context, actor: Actor, name: str) -> AgentView:
    """Stop handing this agent new tasks; what it holds it may finish."""
    return await _set_paused(ctx, actor, name, True)


async def resume_agent(ctx: Context, actor: Actor, name: str) -> AgentView:
    """Hand this agent tasks again."""
    return await _set_paused(ctx, actor, name, False)


async def cancel_agent_work(
    ctx: Context, actor: Actor, name: str, reason: str | None = None
) -> TaskView | None:
    """Take back the task an agent is working on: it returns to ready, and the RELEASED Event
    (with the agent's name) tells the agent's runner to stop. None when it held nothing."""
    require_operator(actor, "cancel an agent's work")
    text = limits.clean_reason(reason) or "cancelled by the operator"
    async with change(ctx) as ch:
        task = await _release_work_of(ch, ctx, actor, name, text)
    return task_view(task) if task is not None else None


async def reassign_agent_work(
    ctx: Context, actor: Actor, name: str, target: str
) -> TaskView | None:
    """Move an agent's current task to another agent in one change: released, then assigned.
    None when the first agent held nothing."""
    require_operator(actor, "reassign an agent's work")
    target = clean_agent_name(target)
    async with change(ctx) as ch:
        await load_agent(target, ch.conn)  # an unknown target refuses before anything moves
        task = await _release_work_of(ch, ctx, actor, name, f"reassigned to {target}")
        if task is not None:
            await reassign(ch, task, target, actor.label, f"taken from {name}")
    return task_view(task) if task is not None else None


async def _release_work_of(
    ch: Change, ctx: Context, actor: Actor, name: str, reason: str
) -> Task | None:
    agent = await load_agent(clean_agent_name(name), ch.conn)
    task = await agent_rows.first_held_task(agent.id, ch.conn)
    if task is None:
        return None
    await apply_move(ch, ctx, actor, task, TaskStatus.READY, text=reason, expect=Move.RELEASE)
    return task


async def issue_viewer_token(ctx: Context, actor: Actor, name: str) -> str:
    """A read-only token for someone who watches the board (operator only); shown once."""
    require_operator(actor, "issue viewer tokens")
    name = clean_agent_name(name)
    async with change(ctx) as ch:
        token = await issue_token(ctx, Role.VIEWER, name, None, ch)
        ch.record(EventKind.AGENT_UPDATED, actor.label, viewer=name, role=str(Role.VIEWER))
    return token
