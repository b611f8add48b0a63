"""The notifier posts board changes to Slack, threaded per task, and survives Slack failing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from gql import Client

from tests.slack.conftest import slack_env
from tests.slack.fake_slack import CHANNEL_ID, FakeSlack
from tests.support.factories import make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess, free_port

BLOCK = 'mutation($id: Int!) { blockTask(id: $id, reason: "waiting on the API key") { status } }'


def texts(fake: FakeSlack) -> list[str]:
    return [str(call.body["text"]) for call in fake.posted()]


def about(fake: FakeSlack, task_id: int) -> list[str]:
    return [t for t in texts(fake) if f"#{task_id} " in t]


async def wait(fake: FakeSlack, ready: Callable[[FakeSlack], bool], timeout: float = 20.0) -> None:
    await asyncio.to_thread(fake.wait_for, ready, timeout)


async def test_a_task_s_changes_are_posted_in_one_thread_under_its_first_message(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    task = await make_task(slack_operator, title="Ship <the> report", tags=["docs"])
    await run(slack_operator, BLOCK, {"id": task["id"]})
    await wait(fake_slack, lambda f: any(t.startswith("Blocked") for t in texts(f)))

    posted = fake_slack.posted()
    headlines = [t.split(":")[0] for t in texts(fake_slack)]
    assert headlines == ["New task", "Ready to be picked up", "Blocked"]
    root, *replies = posted
    assert root.body["channel"] == CHANNEL_ID and "thread_ts" not in root.body
    assert all(reply.body["thread_ts"] == root.answer["ts"] for reply in replies)
    assert [reply.body["reply_broadcast"] for reply in replies] == [False, True]
    first = root.body["blocks"][0]["text"]["text"]
    assert f"<{slack_server.url}/task/{task['id']}|#{task['id']} Ship &lt;the&gt; report>" in first
    facts = replies[-1].body["blocks"][1]["text"]["text"]
    assert "*Status:* blocked" in facts and "*Reason:* waiting on the API key" in facts


async def test_critical_level_posts_only_what_needs_a_person(
    tmp_path: Path, sqlite_url: str, fake_slack: FakeSlack
) -> None:
    env = slack_env(fake_slack, MC_SLACK_NOTIFY_LEVEL="critical")
    server = ServerProcess(tmp_path, sqlite_url, env=env).start()
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        quiet = await make_task(operator, title="Quiet one")
        loud = await make_task(operator, title="Loud one")
        await run(operator, BLOCK, {"id": loud["id"]})
        await wait(fake_slack, lambda f: len(f.posted()) >= 1)
        assert texts(fake_slack) == [f"Blocked: #{loud['id']} Loud one"]
        assert about(fake_slack, quiet["id"]) == []
    finally:
        server.stop()


async def test_a_rate_limited_post_is_retried_after_retry_after_and_posted_once(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    fake_slack.scripted.append((429, {"Retry-After": "1"}))
    task = await make_task(slack_operator, title="Rate limited", tags=["ops"])
    await wait(fake_slack, lambda f: len(about(f, task["id"])) == 2)

    statuses = [c.status for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert statuses == [429, 200, 200]
    assert about(fake_slack, task["id"]) == [
        f"New task: #{task['id']} Rate limited",
        f"Ready to be picked up: #{task['id']} Rate limited",
    ]


async def test_an_outage_keeps_every_message_and_posts_them_in_order_once_slack_is_back(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    fake_slack.down = True
    made = [await make_task(slack_operator, title=f"During outage {n}") for n in range(3)]
    await run(slack_operator, BLOCK, {"id": made[0]["id"]})
    # The mutations above answered while Slack was failing; wait for a retry to fail too.
    await wait(fake_slack, lambda f: sum(c.status == 500 for c in f.calls) >= 2)
    assert fake_slack.posted() == []

    fake_slack.down = False
    await wait(fake_slack, lambda f: any(t.startswith("Blocked") for t in texts(f)))
    ids = [t["id"] for t in made]
    expected = [f"New task: #{i} During outage {n}" for n, i in enumerate(ids)]
    expected.append(f"Blocked: #{ids[0]} During outage 0")
    assert [t for t in texts(fake_slack) if not t.startswith("Ready")] == expected
    assert len(texts(fake_slack)) == len(set(texts(fake_slack)))


async def test_messages_wait_while_slack_refuses_connections_and_arrive_when_it_listens(
    tmp_path: Path, sqlite_url: str
) -> None:
    fake = FakeSlack(port=free_port())  # nothing listens on this port yet
    server = ServerProcess(tmp_path, sqlite_url, env=slack_env(fake)).start()
    try:
        operator = http_client(server.graphql_url, server.operator_token)
        task = await make_task(operator, title="Written while Slack is unreachable")
        fake.start()
        await wait(fake, lambda f: len(about(f, task["id"])) >= 1)
        assert about(fake, task["id"])[0] == f"New task: #{task['id']} {task['title']}"
    finally:
        server.stop()
        fake.stop()


async def test_a_restart_resumes_where_the_notifier_stopped_without_repeating_a_message(
    tmp_path: Path, sqlite_url: str, fake_slack: FakeSlack
) -> None:
    env = slack_env(fake_slack)
    first = ServerProcess(tmp_path, sqlite_url, env=env).start()
    try:
        operator = http_client(first.graphql_url, first.operator_token)
        posted = await make_task(operator, title="Posted before the restart")
        await wait(fake_slack, lambda f: len(about(f, posted["id"])) == 2)
        fake_slack.down = True
        queued = await make_task(operator, title="Queued before the restart")
        await wait(fake_slack, lambda f: any(c.status == 500 for c in f.calls))
    finally:
        first.stop()

    fake_slack.down = False
    second = ServerProcess(tmp_path, sqlite_url, env=env).start()
    try:
        await wait(fake_slack, lambda f: len(about(f, queued["id"])) == 2)
        for task in (posted, queued):
            assert about(fake_slack, task["id"]) == [
                f"New task: #{task['id']} {task['title']}",
                f"Ready to be picked up: #{task['id']} {task['title']}",
            ]
    finally:
        second.stop()


async def test_a_message_slack_keeps_refusing_is_set_aside_and_the_ones_after_it_still_go_out(
    slack_server: ServerProcess, slack_operator: Client, fake_slack: FakeSlack
) -> None:
    fake_slack.scripted.extend([(200, {})] * 5)  # ok: false, invalid_blocks, five times
    task = await make_task(slack_operator, title="Refused first")
    await wait(fake_slack, lambda f: len(about(f, task["id"])) == 1)

    refusals = [c for c in fake_slack.calls if c.answer.get("error") == "invalid_blocks"]
    assert len(refusals) == 5
    assert {c.body["text"] for c in refusals} == {f"New task: #{task['id']} Refused first"}
    assert about(fake_slack, task["id"]) == [f"Ready to be picked up: #{task['id']} Refused first"]
