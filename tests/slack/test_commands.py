"""`/kanban` over signed requests to the real server: operators steer, others only read."""

from __future__ import annotations

import asyncio
import sqlite3

from gql import Client

from tests.slack.board import snapshot
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import VIEWER_ID, command, command_body, post, signed_headers
from tests.support.factories import make_agent, make_task
from tests.support.graphql import run
from tests.support.server import ServerProcess

TASK = "query($id: Int!) { task(id: $id) { title status priority tags assignee blockReason } }"


async def test_an_operator_adds_a_task_with_priority_and_tags_from_slack(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    reply = await command(slack_server.url, "add Renew the TLS certificate p1 #ops #security")

    page = await run(slack_operator, "query { tasks { nodes { id } } }")
    (task_id,) = [node["id"] for node in page["tasks"]["nodes"]]
    task = (await run(slack_operator, TASK, {"id": task_id}))["task"]
    assert task["title"] == "Renew the TLS certificate"
    assert task["priority"] == 1 and task["tags"] == ["ops", "security"]
    assert reply.startswith(f"Created <{slack_server.url}/task/{task_id}|#{task_id} Renew the TLS")


async def test_list_and_show_answer_anyone_with_the_board_s_tasks(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    ready = await make_task(slack_operator, title="Write the changelog", tags=["docs"])
    await make_task(slack_operator, title="Sketch the roadmap", description="")

    everything = await command(slack_server.url, "list", user_id=VIEWER_ID)
    only_ready = await command(slack_server.url, "list ready", user_id=VIEWER_ID)
    shown = await command(slack_server.url, f"show {ready['id']}", user_id=VIEWER_ID)

    assert "Write the changelog" in everything and "Sketch the roadmap" in everything
    assert "Write the changelog" in only_ready and "Sketch the roadmap" not in only_ready
    assert "ready" in shown and "#docs" in shown and "Sum up the week" in shown


async def test_an_operator_blocks_unblocks_and_assigns_from_slack(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    await make_agent(slack_operator, "dev")
    task = await make_task(slack_operator, title="Migrate the database")

    blocked = await command(slack_server.url, f"block {task['id']} waiting for a backup")
    after_block = (await run(slack_operator, TASK, {"id": task["id"]}))["task"]
    unblocked = await command(slack_server.url, f"unblock {task['id']}")
    assigned = await command(slack_server.url, f"assign {task['id']} dev")
    final = (await run(slack_operator, TASK, {"id": task["id"]}))["task"]

    assert after_block["status"] == "BLOCKED"
    assert after_block["blockReason"] == "waiting for a backup"
    assert blocked == f"#{task['id']} blocked: waiting for a backup."
    assert unblocked == f"#{task['id']} unblocked: ready."
    assert assigned == f"#{task['id']} is suggested to dev."
    assert final["status"] == "READY" and final["assignee"] == "dev"


async def test_a_slack_user_who_is_not_an_operator_cannot_change_the_board(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    task = await make_task(slack_operator, title="Keep me as I am")
    before = await snapshot(slack_operator)

    refused = [
        await command(slack_server.url, text, user_id=VIEWER_ID)
        for text in ("add Sneaky task", f"block {task['id']} no reason", "pause")
    ]

    assert all(reply.startswith(":warning:") for reply in refused)
    assert "viewer" in refused[0].lower() or "operator" in refused[0].lower()
    assert await snapshot(slack_operator) == before


async def test_bad_commands_get_a_reason_and_change_nothing(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    task = await make_task(slack_operator, title="Untouched")
    before = await snapshot(slack_operator)

    replies = {
        text: await command(slack_server.url, text)
        for text in ("block twelve because", f"block {task['id']}", "show 999", "list sideways")
    }
    unknown = await command(slack_server.url, "frobnicate 3")

    assert (
        replies["block twelve because"] == ":warning: Expected a task number like 12, got 'twelve'."
    )
    assert replies[f"block {task['id']}"].startswith(":warning:")
    assert replies["show 999"] == ":warning: There is no task #999."
    assert replies["list sideways"].startswith(":warning: Unknown status 'sideways'")
    assert unknown.startswith("Unknown command 'frobnicate'") and "/kanban" in unknown
    assert await snapshot(slack_operator) == before


async def test_unblocking_a_ready_task_from_slack_names_the_real_problem(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    task = await make_task(slack_operator, title="Never blocked")
    before = await snapshot(slack_operator)

    reply = await command(slack_server.url, f"unblock {task['id']}")

    assert reply.startswith(f":warning: Task #{task['id']} is not blocked (it is ready)")
    assert await snapshot(slack_operator) == before


async def test_forged_stale_and_unsigned_commands_are_refused_and_change_nothing(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    before = await snapshot(slack_operator)
    body = command_body("add Injected task p1")
    attempts = {
        "forged": signed_headers(body, secret="not-the-secret"),
        "stale": signed_headers(body, age=6 * 60),
        "unsigned": {"content-type": "application/x-www-form-urlencoded"},
        "tampered": signed_headers(command_body("add Something else")),
    }

    statuses = {
        name: (await post(slack_server.url, "/slack/commands", body, headers)).status_code
        for name, headers in attempts.items()
    }

    assert statuses == {"forged": 401, "stale": 401, "unsigned": 401, "tampered": 401}
    assert await snapshot(slack_operator) == before


async def test_help_lists_every_subcommand(slack_server: ServerProcess) -> None:
    reply = await command(slack_server.url, "help", user_id=VIEWER_ID)
    for name in ("list", "add", "show", "assign", "approve", "block", "unblock", "pause", "resume"):
        assert f"`{name}" in reply


async def test_without_slack_settings_the_server_starts_and_answers_no_slack_route(
    server: ServerProcess, operator: Client
) -> None:
    body = command_body("add Should not exist")
    response = await post(server.url, "/slack/commands", body)

    assert response.status_code in (404, 405)
    assert (await snapshot(operator))["tasks"] == []


async def test_a_command_slower_than_slack_s_three_seconds_answers_through_response_url(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack, sqlite_url: str
) -> None:
    # Another writer holds the database, so the server's insert waits (SQLite's busy timeout).
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite://"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        body = command_body(
            "add Written once the lock is free", response_url=fake_slack.response_url()
        )
        response = await post(slack_server.url, "/slack/commands", body)
        assert response.json() == {"response_type": "ephemeral", "text": "Working on it…"}
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    hooks = lambda f: [c for c in f.calls if c.path == "/hooks/reply"]  # noqa: E731
    await asyncio.to_thread(fake_slack.wait_for, lambda f: len(hooks(f)) == 1)
    reply = hooks(fake_slack)[0].body
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Created ") and "Written once the lock is free" in reply["text"]
    titles = [t["title"] for t in (await snapshot(slack_operator))["tasks"]]
    assert titles == ["Written once the lock is free"]


async def test_an_oversized_request_is_refused_before_its_signature_is_even_read(
    slack_server: ServerProcess, slack_operator: Client
) -> None:
    before = await snapshot(slack_operator)
    body = command_body("add " + "x" * 300_000)

    response = await post(slack_server.url, "/slack/commands", body)

    assert response.status_code == 413
    assert await snapshot(slack_operator) == before
