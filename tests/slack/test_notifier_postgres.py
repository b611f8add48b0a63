"""Two server processes on one PostgreSQL database post each Event to Slack exactly once.

Needs the PostgreSQL bus and leadership (branch `pg`) and a server on 127.0.0.1:5432; skips,
saying why, without them."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.slack.conftest import slack_env
from tests.slack.fake_slack import FakeSlack
from tests.support.factories import make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

pytest.importorskip("mission_control.leadership", reason="needs the pg branch's leadership")

pytestmark = pytest.mark.postgres

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"
BLOCK = 'mutation($id: Int!) { blockTask(id: $id, reason: "needs a decision") { status } }'


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    name = f"mc_slack_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(ADMIN_URL, timeout=5)
    except (OSError, TimeoutError) as error:
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_URL}: {error}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_two_processes_post_every_event_once_in_its_task_thread(
    tmp_path: Path, pg_url: str, fake_slack: FakeSlack
) -> None:
    env = slack_env(fake_slack, MC_SWEEP_INTERVAL_SECONDS="0.3")
    servers: list[ServerProcess] = []
    try:
        for n in range(2):  # inside the try: a second start that fails still stops the first
            (tmp_path / str(n)).mkdir()
            servers.append(ServerProcess(tmp_path / str(n), pg_url, env=env).start())
        clients = [http_client(s.graphql_url, s.operator_token) for s in servers]
        made = [await make_task(clients[n % 2], title=f"Task {n}") for n in range(6)]
        for n, task in enumerate(made):
            await run(clients[(n + 1) % 2], BLOCK, {"id": task["id"]})
        # A last task after the others: once its messages are out, every earlier Event has
        # been drained (in order), by whichever process drains, as often as it was going to be.
        last = await make_task(clients[1], title="Sentinel")
        expected = 3 * len(made) + 2  # created, triaged, blocked; the sentinel's two
        await asyncio.to_thread(
            fake_slack.wait_for,
            lambda f: any(
                f"#{last['id']} " in str(c.body["text"]) and str(c.body["text"]).startswith("Ready")
                for c in f.posted()
            ),
        )

        texts = [str(c.body["text"]) for c in fake_slack.posted()]
        assert len(texts) == expected and len(set(texts)) == expected
        for task in made:  # each task's messages reply under its first one
            calls = [c for c in fake_slack.posted() if f"#{task['id']} " in str(c.body["text"])]
            root, *replies = calls
            assert [r.body["thread_ts"] for r in replies] == [root.answer["ts"]] * 2
    finally:
        for server in servers:
            server.stop()
