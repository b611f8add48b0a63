"""Whether a ready task may go to a given agent: the checks `claim_next` makes per candidate."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain.routing import fits
from mission_control.models import Agent, Task
from mission_control.services.dependencies import open_dependencies
from mission_control.services.routing import needs_of
from mission_control.settings import Settings


def skills_fit(task: Task, agent: Agent, settings: Settings) -> bool:
    """The agent has every skill the task needs (its skill tags and keyword-map skills)."""
    return fits(agent.skills or (), needs_of(task, settings))


async def dependencies_done(task: Task, conn: BaseDBAsyncClient) -> bool:
    """Every task this one depends on is done: work is handed out in dependency order."""
    return not await open_dependencies(task.id, conn)


async def claimable(task: Task, agent: Agent, conn: BaseDBAsyncClient, settings: Settings) -> bool:
    """All of the per-task checks, cheapest first."""
    return skills_fit(task, agent, settings) and await dependencies_done(task, conn)
