"""A token revoked through one server process is refused by another that had it cached: the
TOKEN_REVOKED Event drops it from that process's credential cache (runtime.py wires it), long
before MC_CREDENTIAL_CACHE_SECONDS would have."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from gql import Client

from tests.postgres.watch import watching
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

KEEP_FOR_FIVE_MINUTES = {"MC_CREDENTIAL_CACHE_SECONDS": "300"}


async def refused_within(client: Client, seconds: float) -> str | None:
    """The code `{ me }` is refused with, once it is (None if it is still answered)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        try:
            await run(client, "{ me }")
        except GraphQLFailed as refused:
            return refused.code
        await asyncio.sleep(0.05)
    return None


async def test_a_token_revoked_through_one_process_is_refused_at_once_by_the_other(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    first = start_server(**KEEP_FOR_FIVE_MINUTES)
    second = start_server(**KEEP_FOR_FIVE_MINUTES)
    operator = http_client(first.graphql_url, first.operator_token)
    token = await make_agent(operator, "leaky")
    agent = http_client(second.graphql_url, token)
    assert (await run(agent, "{ me }"))["me"] == "agent:leaky"  # now in second's cache
    since = int(await db.fetchval("SELECT coalesce(max(id), 0) FROM events"))

    async with watching(second, since=since) as watcher:
        local = await make_task(http_client(second.graphql_url, second.operator_token))
        await watcher.until(lambda s: any(e["taskId"] == local["id"] for e in s), timeout=20)
        listed = (await run(operator, "{ tokens { id name } }"))["tokens"]
        token_id = next(t["id"] for t in listed if t["name"] == "leaky")
        await run(operator, "mutation($id: Int!) { revokeToken(id: $id) { id } }", {"id": token_id})
        await watcher.until(lambda s: s[-1]["kind"] == "TOKEN_REVOKED", timeout=20)

    # Seconds, not the five minutes the cache would keep it: the Event dropped it.
    assert await refused_within(agent, 5) == "UNAUTHENTICATED"
