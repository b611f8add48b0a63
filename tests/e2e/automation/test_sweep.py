"""The scheduler inside a real server: the periodic sweep approves auto-approve work when due."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.automation.agent_steps import automatic_event, work_next
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

HISTORY = """query($id: Int!) { taskHistory(taskId: $id) { kind createdAt } }"""


@pytest.fixture
def quick_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {"MC_AUTO_APPROVE_DELAY_SECONDS": "2"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def test_server_sweep_approves_auto_approve_work_once_the_delay_has_passed(
    quick_server: ServerProcess,
) -> None:
    operator = http_client(quick_server.graphql_url, quick_server.operator_token)
    agent = http_client(quick_server.graphql_url, await make_agent(operator, "dev"))
    task = await make_task(operator, "Nightly notes", "Summarise", 3, ["auto-approve"])
    assert await work_next(agent) == task["id"]

    event = await asyncio.wait_for(automatic_event(quick_server, task["id"], "APPROVED"), 20)

    assert event["payload"]["reason"] == "review → done: tagged auto-approve and 2 s in review"
    history = (await run(operator, HISTORY, {"id": task["id"]}))["taskHistory"]
    at = {e["kind"]: datetime.fromisoformat(e["createdAt"]) for e in history}
    assert (at["APPROVED"] - at["SUBMITTED"]).total_seconds() >= 2
    assert [e["kind"] for e in history].count("APPROVED") == 1
