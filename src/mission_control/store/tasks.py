"""Reading and writing task rows inside a change, with the version check every write makes."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.errors import Conflict, NotFound
from mission_control.domain.events import EventKind
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
