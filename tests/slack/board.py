"""What the board looks like through the real API, to prove a refused request changed nothing."""

from __future__ import annotations

from typing import Any

from gql import Client

from tests.support.graphql import run

SNAPSHOT = """
query { tasks(first: 200) { nodes { id title status version assignee blockReason } }
        events(after: 0, limit: 1000) { id } }
"""


async def snapshot(client: Client) -> dict[str, Any]:
    data = await run(client, SNAPSHOT)
    return {"tasks": data["tasks"]["nodes"], "events": len(data["events"])}
