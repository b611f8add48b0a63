"""Routing: a task that becomes ready is assigned to the best agent for it, with an Event.

The assignment is a suggestion: the operator can reassign at any time, and a ready task whose
assignee went offline is routed again by the periodic job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

from mission_control.domain.actors import Actor, Role
from mission_control.domain.automation import AUTO_APPROVE_TAG
from mission_control.domain.errors import Conflict
from mission_control.domain.pickup import is_offline
from mission_control.domain.routing import Candidate, best_agent, load_percent, required_skills
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.roster import candidates
from mission_control.store.tasks import assignee_name, load_task, reassign

ROUTER = Actor(Role.SYSTEM, "router")
SWEEP_LIMIT = 200


def control_tags(settings: Settings) -> frozenset[str]:
    """Tags that steer the workflow (like `trivial`) and are never skills."""
    return (
        frozenset(settings.auto_tags) | frozenset(settings.auto_approve_tags) | {AUTO_APPROVE_TAG}
    )


class TaskText(Protocol):
    """What a task's needs are read from: a row or its read model."""

    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...


def needs_of(task: TaskText, settings: Settings) -> frozenset[str]:
    """The skills a task requires, from its tags and the keyword map over its text."""
    return required_skills(
        task.tags,
        f"{task.title}\n{task.description}",
        settings.skill_keywords,
        control_tags(settings),
    )


def ready_payload(task: Task, settings: Settings) -> dict[str, Any]:
    """What an Event that makes a task ready says about who can take it: the skills it needs
    and the agent it is assigned to, if any; a runner that cannot take it stays asleep."""
    payload: dict[str, Any] = {"needs": sorted(needs_of(task, settings))}
    if (holder := assignee_name(task)) is not None:
        payload["assignee"] = holder
    return payload


async def _assign(ch: Change, task: Task, chosen: str | None, why: str) -> None:
    await reassign(ch, task, chosen, ROUTER.label, why)


async def route_task(
    ch: Change, ctx: Context, task: Task, pool: list[Candidate] | None = None
) -> str | None:
    """Assign a ready task to the best agent inside an open change; returns who, if changed."""
    if task.status is not TaskStatus.READY:
        return None
    pool = pool if pool is not None else await candidates(ctx.settings, ch.now, ch.conn)
    needs = needs_of(task, ctx.settings)
    chosen = best_agent(needs, pool, ctx.settings.max_agent_load)
    current = assignee_name(task)
    if chosen is None or chosen == current:
        return None
    skills = ", ".join(sorted(needs)) or "none in particular"
    await _assign(ch, task, chosen, f"best fit by skills ({skills}) and load")
    return chosen


def _taken_one_more(pool: list[Candidate], name: str, wip_limit: int) -> list[Candidate]:
    """The pool after `name` took one more task (so the next task sees its load)."""
    step = load_percent(1, wip_limit)
    return [dataclasses.replace(c, load=c.load + step) if c.name == name else c for c in pool]


async def route_ready_tasks(ctx: Context) -> int:
    """Periodic job: route ready tasks nobody is assigned, or whose assignee went offline."""
    now = ctx.clock()
    offline = [
        agent.id
        for agent in await Agent.all()
        if is_offline(agent, now, ctx.settings.offline_after_seconds)
    ]
    waiting = await (
        Task.filter(status=TaskStatus.READY)
        .filter(assignee_id__isnull=True)
        .order_by("priority", "created_at", "id")
        .limit(SWEEP_LIMIT)
        .values_list("id", flat=True)
    )
    stranded = (
        await Task.filter(status=TaskStatus.READY, assignee_id__in=offline)
        .limit(SWEEP_LIMIT)
        .values_list("id", flat=True)
        if offline
        else []
    )
    if not waiting and not stranded:
        return 0
    pool = await candidates(ctx.settings, now)
    limits = {agent.name: agent.wip_limit for agent in await Agent.all()}
    routed = 0
    for task_id in [*stranded, *waiting]:
        try:
            async with change(ctx) as ch:
                task = await load_task(int(str(task_id)), ch.conn)
                chosen = await route_task(ch, ctx, task, pool)
                if chosen is None and task.assignee_id in offline:
                    await _assign(ch, task, None, "its assignee is offline; open to any agent")
        except Conflict:
            continue  # claimed or edited meanwhile
        if chosen:
            routed += 1
            pool = _taken_one_more(pool, chosen, limits.get(chosen, 1))
    return routed
