"""Reading and writing task rows inside a change, with the version check every write makes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from mission_control.domain.errors import Conflict, NotFound
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.store.journal import Change


async def load_task(task_id: int, conn: BaseDBAsyncClient | None = None) -> Task:
    """The task with this id, or NOT_FOUND."""
    task: Task | None = (
        await Task.filter(id=task_id).using_db(conn).prefetch_related("assignee").first()
    )
    if task is None:
        raise NotFound(f"There is no task #{task_id}.", task_id=task_id)
    return task


async def load_agent(name: str, conn: BaseDBAsyncClient | None = None) -> Agent:
    """The agent with this name, or NOT_FOUND."""
    agent: Agent | None = await Agent.filter(name=name).using_db(conn).first()
    if agent is None:
        raise NotFound(f"There is no agent named {name!r}.", agent=name)
    return agent


def assignee_name(task: Task) -> str | None:
    agent = task.assignee
    return agent.name if isinstance(agent, Agent) else None


def check_version(task: Task, expected_version: int | None) -> None:
    """Refuse a write based on a stale read (optimistic concurrency)."""
    if expected_version is not None and expected_version != task.version:
        raise Conflict(
            f"Task #{task.id} is at version {task.version}, not {expected_version}: someone "
            f"changed it since you read it. Reload it and try again.",
            task_id=task.id,
            version=task.version,
        )


async def write_task(ch: Change, task: Task, **changes: Any) -> Task:
    """Update the row only if nobody else wrote it since it was read; bumps the version."""
    changes["version"] = task.version + 1
    changes["updated_at"] = ch.now
    if "status" in changes and changes["status"] != task.status:
        changes["status_changed_at"] = ch.now
    columns = dict(changes)
    if "assignee" in columns:
        # By id: Tortoise's bulk update cannot set a foreign key to None through the relation.
        agent = columns.pop("assignee")
        columns["assignee_id"] = agent.id if agent else None
    updated = await (
        Task.filter(id=task.id, version=task.version).using_db(ch.conn).update(**columns)
    )
    if updated != 1:
        raise Conflict(
            f"Task #{task.id} was changed by someone else at the same moment; reload it and "
            f"try again.",
            task_id=task.id,
        )
    for name, value in changes.items():
        setattr(task, name, value)
    if "assignee" in changes:
        task.assignee_id = changes["assignee"].id if changes["assignee"] else None
    return task


async def reassign(
    ch: Change, task: Task, agent_name: str | None, actor_label: str, reason: str | None
) -> None:
    """Point a task at an agent (or at nobody) and record who decided it and why."""
    agent = await load_agent(agent_name, ch.conn) if agent_name else None
    previous = assignee_name(task)
    await write_task(ch, task, assignee=agent)
    task.assignee = agent
    ch.record(
        EventKind.ASSIGNED,
        actor_label,
        task_id=task.id,
        agent_name=agent_name,
        previous=previous,
        reason=reason,
    )


async def status_moments(
    task_ids: Collection[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, tuple[TaskStatus, datetime]]:
    """Each task's status and when it entered it (tasks that do not exist are left out)."""
    if not task_ids:
        return {}
    rows = (
        await Task.filter(id__in=list(task_ids))
        .using_db(conn)
        .values_list("id", "status", "status_changed_at")
    )
    return {int(row[0]): (TaskStatus(row[1]), row[2]) for row in rows}


@dataclass(frozen=True, slots=True)
class Scope:
    """Some tasks by id, and the blocked ones whose reason names `blocked_naming`."""

    ids: frozenset[int] = frozenset()
    blocked_naming: str | None = None


async def rule_candidates(tags: Iterable[str], scope: Scope | None = None) -> list[Task]:
    """The tasks an automation rule may apply to, lowest id first: in review with one of
    these tags, or blocked; within `scope` when one is given."""
    tagged = Q(*(Q(tag_text__contains=f" {tag} ") for tag in tags), join_type=Q.OR)
    candidates = Q(Q(status=TaskStatus.REVIEW) & tagged) | Q(status=TaskStatus.BLOCKED)
    if scope is not None:
        among = Q(id__in=list(scope.ids))
        if scope.blocked_naming is not None:
            among |= Q(status=TaskStatus.BLOCKED, block_reason__contains=scope.blocked_naming)
        candidates = Q(candidates, among)
    return list(await Task.filter(candidates).order_by("id"))


async def insert_task_row(
    ch: Change,
    title: str,
    description: str,
    priority: int | None,
    tags: Sequence[str],
    parent_id: int | None,
) -> Task:
    """A new task row in intake, nobody assigned (its CREATED Event is the caller's)."""
    task = await Task.create(
        title=title,
        description=description,
        priority=priority,
        tag_text=Task.tag_text_of(list(tags)),
        parent_id=parent_id,
        created_at=ch.now,
        updated_at=ch.now,
        status_changed_at=ch.now,
        using_db=ch.conn,
    )
    task.assignee = None
    return task
