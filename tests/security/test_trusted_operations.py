"""MC_TRUSTED_OPERATIONS=agents: an agent token runs only the operations our clients ship.

A real server with the option on; the agent speaks through the real client (GqlTransport and
the generated Operations, as the runner does), and by hand with gql for what it must not send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gql import GraphQLRequest

from mission_control.client.generated.operations import RUNNER_ME_DOCUMENT, Operations
from mission_control.client.transport import GqlTransport, ServerRefused
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run, ws_client
from tests.support.server import ServerProcess


@pytest.fixture
def strict_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {"MC_TRUSTED_OPERATIONS": "agents"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as server:
        yield server


async def test_an_agent_works_through_the_shipped_operations(strict_server: ServerProcess) -> None:
    operator = http_client(strict_server.graphql_url, strict_server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    created = await make_task(operator, title="Trusted work", priority=1, tags=["python"])
    ops = Operations(GqlTransport(strict_server.url, token))

    assert (await ops.runner_me()).me == "agent:dev"
    claimed = await ops.runner_claim_next()
    assert claimed.claim_next_task.task is not None
    assert claimed.claim_next_task.task.id == created["id"]


async def test_an_agent_s_own_query_is_refused_and_changes_nothing(
    strict_server: ServerProcess,
) -> None:
    operator = http_client(strict_server.graphql_url, strict_server.operator_token)
    agent = http_client(strict_server.graphql_url, await make_agent(operator, "dev"))
    await make_task(operator, title="Stays ready", priority=1)

    for crafted in (
        "{ me }",
        "query RunnerMe { me board { columns { count } } }",  # a shipped name, more fields
        "mutation { claimNextTask { outcome } }",
    ):
        with pytest.raises(GraphQLFailed) as refused:
            await run(agent, crafted)
        assert refused.value.code == "FORBIDDEN"
        assert "MC_TRUSTED_OPERATIONS" in str(refused.value)
    listed = await run(operator, "{ tasks { nodes { status assignee } } }")
    assert listed["tasks"]["nodes"] == [{"status": "READY", "assignee": None}]


async def test_layout_and_comments_do_not_matter_but_the_selection_does(
    strict_server: ServerProcess,
) -> None:
    operator = http_client(strict_server.graphql_url, strict_server.operator_token)
    agent = http_client(strict_server.graphql_url, await make_agent(operator, "dev"))
    reformatted = "# the runner's first call\n" + " ".join(RUNNER_ME_DOCUMENT.split())
    assert await run(agent, reformatted) == {"me": "agent:dev"}


async def test_an_agent_s_own_subscription_is_refused(strict_server: ServerProcess) -> None:
    operator = http_client(strict_server.graphql_url, strict_server.operator_token)
    token = await make_agent(operator, "dev")
    async with ws_client(strict_server.ws_url, token) as session:
        with pytest.raises(Exception, match="MC_TRUSTED_OPERATIONS"):
            async for _ in session.subscribe(GraphQLRequest("subscription { events { id } }")):
                break


async def test_operators_and_the_shipped_client_errors_stay_readable(
    strict_server: ServerProcess,
) -> None:
    operator = http_client(strict_server.graphql_url, strict_server.operator_token)
    assert await run(operator, "{ me }") == {"me": "operator"}
    ops = Operations(GqlTransport(strict_server.url, "not-a-token"))
    with pytest.raises(ServerRefused) as refused:
        await ops.runner_me()
    assert refused.value.code == "UNAUTHENTICATED"
