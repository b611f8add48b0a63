"""Building a backlog and a crowd of agents through the real API, many requests at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from gql import GraphQLRequest

from tests.support.graphql import http_client
from tests.support.server import ServerProcess

CREATE = "mutation($input: CreateTaskInput!) { createTask(input: $input) { id status } }"
REGISTER = "mutation($name: String!) { registerAgent(name: $name, wipLimit: 100) { token } }"
CLAIM_NEXT = "mutation { claimNextTask { outcome task { id assignee } } }"


async def _in_session(url: str, token: str, requests: Sequence[GraphQLRequest]) -> list[Any]:
    async with http_client(url, token) as session:
        return [await session.execute(request) for request in requests]


async def spread(
    server: ServerProcess, requests: Sequence[GraphQLRequest], workers: int = 8
) -> list[Any]:
    """Run the operator's requests over `workers` parallel connections; results in order."""
    chunks = [list(requests[i::workers]) for i in range(workers)]
    answers = await asyncio.gather(
        *(_in_session(server.graphql_url, server.operator_token, chunk) for chunk in chunks)
    )
    merged: list[Any] = [None] * len(requests)
    for i, chunk_answers in enumerate(answers):
        merged[i::workers] = chunk_answers
    return merged


async def make_backlog(server: ServerProcess, count: int) -> list[int]:
    """`count` ready tasks; returns their ids."""
    requests = [
        GraphQLRequest(
            CREATE,
            variable_values={"input": {"title": f"Task {n}", "description": "x", "priority": 3}},
        )
        for n in range(count)
    ]
    created = await spread(server, requests)
    assert {answer["createTask"]["status"] for answer in created} == {"READY"}
    return [answer["createTask"]["id"] for answer in created]


async def make_agents(server: ServerProcess, count: int, prefix: str = "agent") -> list[str]:
    """Registers `count` agents; returns their tokens."""
    requests = [
        GraphQLRequest(REGISTER, variable_values={"name": f"{prefix}-{n}"}) for n in range(count)
    ]
    return [answer["registerAgent"]["token"] for answer in await spread(server, requests)]


async def claim_until_empty(server: ServerProcess, token: str) -> list[tuple[int, str]]:
    """One agent claims next tasks until none is left; returns (task id, assignee) pairs."""
    claimed: list[tuple[int, str]] = []
    async with http_client(server.graphql_url, token) as session:
        while True:
            answer = (await session.execute(GraphQLRequest(CLAIM_NEXT)))["claimNextTask"]
            if answer["outcome"] != "CLAIMED":
                return claimed
            claimed.append((answer["task"]["id"], answer["task"]["assignee"]))
