"""One-line makers of tasks and agents: through the real API (make_*) or in-process (add_*)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gql import Client

from mission_control.domain.actors import OPERATOR, Actor, agent_actor
from mission_control.services.agents import register_agent
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.store.context import Context
from mission_control.store.views import TaskView
from tests.support.graphql import run

TASK_FIELDS = "id title status version assignee progress priority tags blockReason result feedback"


async def make_task(
    operator: Client,
    title: str = "Write the report",
    description: str = "Sum up the week",
    priority: int | None = 3,
    tags: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data = await run(
        operator,
        f"mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ {TASK_FIELDS} }} }}",
        {
            "input": {
                "title": title,
                "description": description,
                "priority": priority,
                "tags": tags or [],
                **extra,
            }
        },
    )
    return data["createTask"]


async def make_agent(operator: Client, name: str, skills: list[str] | None = None) -> str:
    """Registers an agent and returns its token."""
    data = await run(
        operator,
        "mutation($name: String!, $skills: [String!]) "
        "{ registerAgent(name: $name, skills: $skills) { token agent { name } } }",
        {"name": name, "skills": skills or []},
    )
    return data["registerAgent"]["token"]


# In-process: the same one-liners over the services, for tests/services (no server).


async def add_task(
    ctx: Context,
    title: str = "Write the report",
    description: str = "Sum up the week",
    priority: int | None = 3,
    tags: Sequence[str] = (),
    parent_id: int | None = None,
) -> TaskView:
    """A task created by the operator (ready when title, description and priority are set)."""
    draft = TaskDraft(
        title=title, description=description, priority=priority, tags=tags, parent_id=parent_id
    )
    return await create_task(ctx, OPERATOR, draft)


async def add_agent(
    ctx: Context, name: str = "dev", skills: Sequence[str] = (), wip_limit: int = 1
) -> Actor:
    """Registers an agent and returns the actor it acts as (what the services take)."""
    agent, _token = await register_agent(ctx, OPERATOR, name, skills, wip_limit)
    return agent_actor(agent.name, agent.id)
