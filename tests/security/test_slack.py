"""Slack: a signed request acts once (replays and Slack's retries), agent text is escaped, a
malformed payload is a coded 400. A fake Slack on loopback, the real server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from gql import Client

from tests.slack.conftest import fake_slack, slack_operator, slack_server  # noqa: F401 (fixtures)
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import command_body, post, signed_headers
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

TITLES = "{ tasks { nodes { title } } }"


async def titles(operator: Client) -> list[str]:
    return [node["title"] for node in (await run(operator, TITLES))["tasks"]["nodes"]]


async def test_a_replayed_signed_command_runs_once(
    slack_server: ServerProcess,  # noqa: F811
    slack_operator: Client,  # noqa: F811
) -> None:
    body = command_body("add Pay the invoice")
    headers = signed_headers(body)
    answers = [await post(slack_server.url, "/slack/commands", body, headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "Already handled" in answers[1].json()["text"]
    assert await titles(slack_operator) == ["Pay the invoice"]


async def test_slacks_retry_of_a_command_runs_once(
    slack_server: ServerProcess,  # noqa: F811
    slack_operator: Client,  # noqa: F811
) -> None:
    body = command_body("add Rotate the keys")
    await post(slack_server.url, "/slack/commands", body)
    retry = {
        **signed_headers(body),
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
    }
    answer = await post(slack_server.url, "/slack/commands", body, retry)  # new signature
    assert answer.status_code == 200 and "Already handled" in answer.json()["text"]
    assert await titles(slack_operator) == ["Rotate the keys"]


async def test_agent_text_reaches_slack_escaped(
    slack_server: ServerProcess,  # noqa: F811
    slack_operator: Client,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    token = await make_agent(slack_operator, "mallory")
    mallory = http_client(slack_server.graphql_url, token)
    task = await make_task(slack_operator, title="<!channel> urgent <@U999>")
    await run(mallory, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": task["id"]})
    reason = "<!channel> <https://evil.example|Approve here> & <@U0ADMIN>"
    await run(
        mallory,
        "mutation($id: Int!, $r: String!) { blockTask(id: $id, reason: $r) { status } }",
        {"id": task["id"], "r": reason},
    )

    def blocked(f: FakeSlack) -> bool:
        return any(str(c.body["text"]).startswith("Blocked") for c in f.posted())

    await asyncio.to_thread(fake_slack.wait_for, blocked, 20.0)
    sent = json.dumps([c.body for c in fake_slack.posted()])
    for live in ("<!channel>", "<@U999>", "<@U0ADMIN>", "<https://evil.example"):
        assert live not in sent
    assert (
        "&lt;!channel&gt; &lt;https://evil.example|Approve here&gt; &amp; &lt;@U0ADMIN&gt;" in sent
    )


async def test_a_signed_interaction_whose_payload_is_a_list_is_a_coded_400(
    slack_server: ServerProcess,  # noqa: F811
) -> None:
    from urllib.parse import urlencode

    for payload in ([1, 2], "not json", {"type": "block_actions", "actions": "nope"}):
        raw: Any = payload if isinstance(payload, str) else json.dumps(payload)
        body = urlencode({"payload": raw})
        answer = await post(slack_server.url, "/slack/interactions", body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "BAD_REQUEST"
