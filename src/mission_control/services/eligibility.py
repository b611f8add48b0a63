"""Whether a ready task may go to a given agent: the checks `claim_next` makes per candidate."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.models import Agent, Task
from mission_control.services.dependencies import open_dependencies


def skills_fit(task: Task, agent: Agent) -> bool:
    """The agent has the skills the task needs (routing fills this in)."""
    return True


async def dependencies_done(task: Task, conn: BaseDBAsyncClient) -> bool:
    """Every task this one depends on is done: work is handed out in dependency order."""
    return not await open_dependencies(task.id, conn)


async def claimable(task: Task, agent: Agent, conn: BaseDBAsyncClient) -> bool:
    """All of the per-task checks, cheapest first."""
    return skills_fit(task, agent) and await dependencies_done(task, conn)
