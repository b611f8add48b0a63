"""A fake Slack on loopback and a real server pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gql import Client

from tests.slack.fake_slack import CHANNEL_ID, FakeSlack
from tests.slack.signing import OPERATOR_ID, SIGNING_SECRET
from tests.support.graphql import http_client
from tests.support.server import ServerProcess


def slack_env(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        "MC_SLACK_BOT_TOKEN": "xoxb-test-token",
        "MC_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "MC_SLACK_CHANNEL": CHANNEL_ID,
        "MC_SLACK_OPERATORS": OPERATOR_ID,
        "MC_SLACK_API_URL": fake.api_url,
        "MC_SLACK_RETRY_MAX_SECONDS": "1",
        **extra,
    }


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def slack_server(tmp_path: Path, sqlite_url: str, fake_slack: FakeSlack) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path, sqlite_url, env=slack_env(fake_slack)) as process:
        yield process


@pytest.fixture
def slack_operator(slack_server: ServerProcess) -> Client:
    return http_client(slack_server.graphql_url, slack_server.operator_token)
