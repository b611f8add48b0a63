"""Webhooks on one server: a filter, an endpoint that keeps failing until it is given up,
what the operator sees then, a replay once it is back, and the refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from gql import Client

from tests.support.cli import mc
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess
from tests.support.webhook_receiver import Receiver

RETRIES = {"MC_WEBHOOK_RETRY_BASE_SECONDS": "0.1", "MC_WEBHOOK_MAX_ATTEMPTS": "2"}
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "x") { id } }'
HOOKS = "{ webhooks { id lastStatus lastError failures pending failed } }"


@pytest.fixture
def quick_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=RETRIES) as process:
        yield process


async def test_failed_deliveries_are_visible_and_replayed_once_the_endpoint_is_back(
    quick_server: ServerProcess,
) -> None:
    operator = http_client(quick_server.graphql_url, quick_server.operator_token)
    async with Receiver(fail_first=2) as receiver:
        added = json.loads(
            mc(quick_server, "--json", "webhook", "add", receiver.url, "--status", "review").stdout
        )
        receiver.secret = added["secret"]
        assert added["webhook"]["statuses"] == ["REVIEW"]
        token = await make_agent(operator, "dev")
        task = await make_task(operator, "Ship it")
        agent = http_client(quick_server.graphql_url, token)
        await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", task)
        await run(
            agent, 'mutation($id: Int!) { submitForReview(id: $id, result: "x") { id } }', task
        )

        failed: dict[str, object] = {}

        async def given_up() -> bool:
            failed.update((await run(operator, HOOKS))["webhooks"][0])
            return failed["failed"] == 1

        while not await given_up():  # two attempts, 0.1 s apart, then it is marked failed
            await receiver.wait_until(lambda r: r.refused >= 2, 10)
        assert failed["lastStatus"] == 503
        assert "HTTP 503: down for a moment" in str(failed["lastError"])
        assert failed["failures"] == 2 and failed["pending"] == 0
        assert receiver.received == []

        rows = json.loads(
            mc(
                quick_server,
                "--json",
                "webhook",
                "deliveries",
                str(added["webhook"]["id"]),
                "--failed",
            ).stdout
        )
        assert [(row["taskId"], row["attempts"], row["failed"]) for row in rows] == [
            (task["id"], 2, True)
        ]
        replayed = json.loads(
            mc(quick_server, "--json", "webhook", "replay", str(added["webhook"]["id"])).stdout
        )
        assert replayed == {"replayed": 1}
        await receiver.wait_until(lambda r: len(r.received) == 1, 30)

    body = receiver.received[0]
    assert body["type"] == "task.submitted"
    assert body["data"]["toStatus"] == "REVIEW" and body["data"]["taskId"] == task["id"]
    healthy = (await run(operator, HOOKS))["webhooks"][0]
    assert healthy["lastStatus"] == 204 and healthy["failures"] == 0 and healthy["failed"] == 0


async def test_webhook_refusals_change_nothing(server: ServerProcess, operator: Client) -> None:
    token = await make_agent(operator, "dev")
    agent = http_client(server.graphql_url, token)
    register = "mutation($url: String!) { registerWebhook(url: $url) { secret } }"
    with pytest.raises(GraphQLFailed) as refused:
        await run(agent, register, {"url": "http://127.0.0.1:9/hook"})
    assert refused.value.code == "FORBIDDEN"
    with pytest.raises(GraphQLFailed) as invalid:
        await run(operator, register, {"url": "file:///etc/passwd"})
    assert invalid.value.code == "VALIDATION"
    with pytest.raises(GraphQLFailed) as missing:
        await run(operator, "mutation { replayWebhookDeliveries(webhookId: 99) }")
    assert (missing.value.code, str(missing.value)) == ("NOT_FOUND", "There is no webhook #99.")
    assert (await run(operator, "{ webhooks { id } }"))["webhooks"] == []
    listing = mc(server, "webhook", "list", token=token, expect=1)
    assert "Only the operator can see webhooks." in listing.stderr
