"""Approve/Decline and Approve/Reject buttons on notifier messages, clicked via signed requests."""

from __future__ import annotations

import asyncio
from typing import Any

from gql import Client

from tests.slack.board import snapshot
from tests.slack.fake_slack import CHANNEL_ID, Call, FakeSlack
from tests.slack.signing import (
    OPERATOR_ID,
    VIEWER_ID,
    click_body,
    command,
    post,
    signed_headers,
)
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

TASK = "query($id: Int!) { task(id: $id) { status assignee feedback } }"
CLAIM = "mutation { claimNextTask { outcome approvalId task { id } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "PR #7") { status } }'


async def wait(fake: FakeSlack, ready: Any, timeout: float = 20.0) -> None:
    await asyncio.to_thread(fake.wait_for, ready, timeout)


def message_starting(fake: FakeSlack, headline: str) -> Call | None:
    return next((c for c in fake.posted() if str(c.body["text"]).startswith(headline)), None)


def updates(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls if c.method == "chat.update"]


def replies(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls if c.path.startswith("/hooks/")]


def click(fake: FakeSlack, message: Call, action_id: str, user_id: str) -> str:
    """The payload Slack sends when `user_id` clicks the button `action_id` on `message`."""
    (button,) = [
        element
        for block in message.body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]
    ts = message.answer["ts"]
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower()},
        "channel": {"id": CHANNEL_ID},
        "message": {"ts": ts, "text": message.body["text"], "blocks": message.body["blocks"]},
        "response_url": fake.response_url(),
        "actions": [{"action_id": action_id, "block_id": "decision", "value": button["value"]}],
    }
    return click_body(payload)


async def in_review(
    server: ServerProcess, operator: Client, fake: FakeSlack
) -> tuple[dict[str, Any], Call]:
    """A task submitted for review, and the "Review requested" message Slack received for it."""
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    task = await make_task(operator, title="Fix the login bug")
    claimed = await run(agent, CLAIM)
    assert claimed["claimNextTask"]["outcome"] == "CLAIMED"
    await run(agent, SUBMIT, {"id": task["id"]})
    await wait(fake, lambda f: message_starting(f, "Review requested") is not None)
    message = message_starting(fake, "Review requested")
    assert message is not None
    return task, message


async def test_approve_on_a_review_message_finishes_the_task_and_shows_who_decided(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    task, message = await in_review(slack_server, slack_operator, fake_slack)

    body = click(fake_slack, message, "review_approve", OPERATOR_ID)
    response = await post(slack_server.url, "/slack/interactions", body)
    await wait(fake_slack, lambda f: len(updates(f)) == 1)

    assert response.status_code == 200
    assert (await run(slack_operator, TASK, {"id": task["id"]}))["task"]["status"] == "DONE"
    update = updates(fake_slack)[0].body
    assert update["channel"] == CHANNEL_ID and update["ts"] == message.answer["ts"]
    assert all(block["type"] != "actions" for block in update["blocks"])
    assert update["blocks"][-1]["elements"][0]["text"] == f"Approved by <@{OPERATOR_ID}>"


async def test_reject_on_a_review_message_sends_the_task_back_with_feedback(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    task, message = await in_review(slack_server, slack_operator, fake_slack)

    body = click(fake_slack, message, "review_reject", OPERATOR_ID)
    await post(slack_server.url, "/slack/interactions", body)
    await wait(fake_slack, lambda f: len(updates(f)) == 1)

    after = (await run(slack_operator, TASK, {"id": task["id"]}))["task"]
    assert after["status"] == "IN_PROGRESS" and after["assignee"] == "dev"
    assert after["feedback"] == f"Rejected in Slack by slack:{OPERATOR_ID}"
    assert updates(fake_slack)[0].body["text"] == f"Rejected by <@{OPERATOR_ID}>"


async def test_a_viewer_s_click_is_refused_privately_and_the_buttons_stay(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    _, message = await in_review(slack_server, slack_operator, fake_slack)
    before = await snapshot(slack_operator)

    body = click(fake_slack, message, "review_approve", VIEWER_ID)
    response = await post(slack_server.url, "/slack/interactions", body)
    await wait(fake_slack, lambda f: len(replies(f)) == 1)

    assert response.status_code == 200
    reply = replies(fake_slack)[0].body
    assert reply["response_type"] == "ephemeral" and reply["text"].startswith(":warning:")
    assert updates(fake_slack) == []
    assert await snapshot(slack_operator) == before


async def test_forged_and_stale_clicks_are_refused_and_change_nothing(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    _, message = await in_review(slack_server, slack_operator, fake_slack)
    before = await snapshot(slack_operator)
    body = click(fake_slack, message, "review_approve", OPERATOR_ID)

    forged = await post(slack_server.url, "/slack/interactions", body, signed_headers(body, "x"))
    stale = await post(slack_server.url, "/slack/interactions", body, signed_headers(body, age=400))
    unsigned = await post(slack_server.url, "/slack/interactions", body, {})

    assert [forged.status_code, stale.status_code, unsigned.status_code] == [401, 401, 401]
    assert updates(fake_slack) == []
    assert await snapshot(slack_operator) == before


async def test_in_manual_mode_an_approval_request_is_granted_from_its_slack_buttons(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    await run(slack_operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    agent = http_client(slack_server.graphql_url, await make_agent(slack_operator, "dev"))
    task = await make_task(slack_operator, title="Rotate the keys")
    claim = (await run(agent, CLAIM))["claimNextTask"]
    assert claim["outcome"] == "AWAITING_APPROVAL"
    await wait(fake_slack, lambda f: message_starting(f, "Approval needed") is not None)
    message = message_starting(fake_slack, "Approval needed")
    assert message is not None
    values = [
        e["value"] for b in message.body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert values == [str(claim["approvalId"])] * 2

    body = click(fake_slack, message, "approval_grant", OPERATOR_ID)
    await post(slack_server.url, "/slack/interactions", body)
    await wait(fake_slack, lambda f: len(updates(f)) == 1)

    after = (await run(slack_operator, TASK, {"id": task["id"]}))["task"]
    assert after == {"status": "IN_PROGRESS", "assignee": "dev", "feedback": None}
    assert updates(fake_slack)[0].body["text"] == f"Approved by <@{OPERATOR_ID}>"


async def test_in_manual_mode_declining_from_slack_leaves_the_task_in_the_pool(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    await run(slack_operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    agent = http_client(slack_server.graphql_url, await make_agent(slack_operator, "dev"))
    task = await make_task(slack_operator, title="Drop the old table")
    assert (await run(agent, CLAIM))["claimNextTask"]["outcome"] == "AWAITING_APPROVAL"
    await wait(fake_slack, lambda f: message_starting(f, "Approval needed") is not None)
    message = message_starting(fake_slack, "Approval needed")
    assert message is not None

    await post(
        slack_server.url,
        "/slack/interactions",
        click(fake_slack, message, "approval_decline", OPERATOR_ID),
    )
    await wait(fake_slack, lambda f: len(updates(f)) == 1)

    after = (await run(slack_operator, TASK, {"id": task["id"]}))["task"]
    assert after["status"] == "READY" and after["assignee"] is None
    assert updates(fake_slack)[0].body["text"] == f"Declined by <@{OPERATOR_ID}>"


async def test_kanban_approve_grants_a_pending_claim_and_pause_resume_switch_autonomy(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    await run(slack_operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    agent = http_client(slack_server.graphql_url, await make_agent(slack_operator, "dev"))
    task = await make_task(slack_operator, title="Bump the version")
    assert (await run(agent, CLAIM))["claimNextTask"]["outcome"] == "AWAITING_APPROVAL"

    granted = await command(slack_server.url, f"approve {task['id']}")
    paused = await command(slack_server.url, "pause")
    while_paused = (await run(slack_operator, "query { autonomy { paused } }"))["autonomy"]
    resumed = await command(slack_server.url, "resume")
    after = (await run(slack_operator, "query { autonomy { paused } }"))["autonomy"]

    assert granted == f"Claim of #{task['id']} by dev granted."
    assert (await run(slack_operator, TASK, {"id": task["id"]}))["task"]["status"] == "IN_PROGRESS"
    assert paused == "Agents are paused." and while_paused == {"paused": True}
    assert resumed == "Agents may claim work again." and after == {"paused": False}
