"""One-line makers of tasks and agents through the real API."""

from __future__ import annotations

from typing import Any

from gql import Client

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
