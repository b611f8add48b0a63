"""At the critical level the operator hears of stuck work and of agents paused by their budget."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack.conftest import slack_env
from tests.slack.fake_slack import FakeSlack
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.loop import claim, events_of
from tests.support.server import ServerProcess

PROGRESS = "mutation($id: Int!) { reportProgress(id: $id, progress: 20) { progress } }"
REPORT = "mutation($id: Int!) { reportUsage(id: $id, usage: {tokens: 900}) { id } }"
BUDGET = 'mutation { setAgentBudget(name: "dev", tokens: 500) { tokensPerDay } }'


@pytest.fixture
def alert_server(tmp_path: Path, sqlite_url: str, fake_slack: FakeSlack) -> Iterator[ServerProcess]:
    env = slack_env(
        fake_slack, MC_SLACK_NOTIFY_LEVEL="critical", MC_STUCK_AFTER_MINUTES="0.05"
    )  # 3 s of silence
    with ServerProcess(tmp_path, sqlite_url, env=env) as process:
        yield process


def texts(fake: FakeSlack) -> list[str]:
    return [str(call.body["text"]) for call in fake.posted()]


async def test_silent_work_is_posted_once_as_stuck_and_a_budget_pause_is_posted(
    alert_server: ServerProcess, fake_slack: FakeSlack
) -> None:
    operator = http_client(alert_server.graphql_url, alert_server.operator_token)
    dev = http_client(alert_server.graphql_url, await make_agent(operator, "dev"))
    task = await make_task(operator, title="Long haul")
    await claim(dev, task["id"])  # and then silence: no heartbeat, no report

    [stuck] = await events_of(alert_server, 1, kinds=["STUCK"], since=0)
    assert stuck["taskId"] == task["id"] and stuck["agentName"] == "dev"
    assert stuck["payload"]["reason"].startswith("no progress report or heartbeat from dev for")
    await asyncio.to_thread(fake_slack.wait_for, lambda f: len(f.posted()) >= 1, 20)
    assert texts(fake_slack) == [f"Stuck: #{task['id']} Long haul"]
    assert "*Reason:* no progress report or heartbeat from dev" in str(fake_slack.posted()[0].body)

    await run(dev, PROGRESS, {"id": task["id"]})
    [cleared] = await events_of(alert_server, 1, kinds=["STUCK_CLEARED"], since=stuck["id"])
    assert cleared["payload"]["reason"] == "the holder reported again"

    await run(operator, BUDGET)
    await run(dev, REPORT, {"id": task["id"]})
    [paused] = await events_of(alert_server, 1, kinds=["BUDGET_PAUSED"], since=cleared["id"])
    await asyncio.to_thread(fake_slack.wait_for, lambda f: len(f.posted()) >= 2, 20)
    assert texts(fake_slack)[1] == "Paused: budget used up"
    assert paused["payload"]["reason"] in str(fake_slack.posted()[1].body)
    # Silent again after its last report: a new STUCK (marked once per silence).
    [again] = await events_of(alert_server, 1, kinds=["STUCK"], since=cleared["id"])
    assert again["taskId"] == task["id"]
