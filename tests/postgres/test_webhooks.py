"""Outbound webhooks with two server processes on one PostgreSQL database: a receiver that
checks every signature and refuses the first three deliveries still gets each Event once, in
order per task, and the operator sees how delivery went."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from tests.support.cli import mc
from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess
from tests.support.webhook_receiver import Receiver

pytestmark = pytest.mark.postgres

KINDS = ("CREATED", "TRIAGED", "CLAIMED", "PROGRESS", "SUBMITTED")
PROGRESS = "mutation($id: Int!) { reportProgress(id: $id, progress: 50) { id } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { id } }'
EVENTS = "query($a: Int!) { events(after: $a, limit: 1000) { id kind taskId } }"
KIND_OPTIONS = [f"--kind={kind}" for kind in KINDS]
FAST_RETRIES = {"MC_WEBHOOK_RETRY_BASE_SECONDS": "0.2", "MC_SWEEP_INTERVAL_SECONDS": "0.3"}


async def work_tasks(servers: list[ServerProcess], count: int) -> list[int]:
    """Create, claim, report and submit `count` tasks, spreading the calls over the servers."""
    operators = [http_client(s.graphql_url, s.operator_token) for s in servers]
    task_ids = []
    for n in range(count):
        token = await make_agent(operators[n % 2], f"agent{n}", [f"skill{n}"])
        task = await make_task(operators[(n + 1) % 2], f"Task {n}", tags=[f"skill{n}"])
        task_ids.append(task["id"])
        agent = http_client(servers[n % 2].graphql_url, token)
        await run(agent, "mutation($id: Int!) { claimTask(id: $id) { id } }", task)
        agent = http_client(servers[(n + 1) % 2].graphql_url, token)
        await run(agent, PROGRESS, task)
        await run(agent, SUBMIT, task)
    return task_ids


async def expected_events(server: ServerProcess, after: int) -> list[dict[str, Any]]:
    operator = http_client(server.graphql_url, server.operator_token)
    events = await run(operator, EVENTS, {"a": after})
    return [e for e in events["events"] if e["kind"] in KINDS]


async def test_two_processes_deliver_every_event_once_in_order_despite_failures(
    start_server: Any, db: asyncpg.Connection
) -> None:
    servers = [start_server(**FAST_RETRIES), start_server(**FAST_RETRIES)]
    async with Receiver(fail_first=3) as receiver:
        added = json.loads(
            mc(servers[0], "--json", "webhook", "add", receiver.url, *KIND_OPTIONS).stdout
        )
        receiver.secret = added["secret"]
        assert added["secret"].startswith("whsec_")
        webhook_id = added["webhook"]["id"]
        since = int(await db.fetchval("SELECT coalesce(max(id), 0) FROM events"))

        task_ids = await work_tasks(servers, 6)
        expected = await expected_events(servers[1], since)
        assert len(expected) == 6 * 5
        await receiver.wait_until(lambda r: len(r.received) >= len(expected))

        delivered = [body["data"] for body in receiver.received]
        assert sorted(d["id"] for d in delivered) == sorted(e["id"] for e in expected)
        assert set(receiver.message_ids.values()) == {1}  # each Event once
        for task_id in task_ids:
            ids = [d["id"] for d in delivered if d["taskId"] == task_id]
            assert ids == sorted(ids), f"task #{task_id} out of order: {ids}"
            assert [d["kind"] for d in delivered if d["taskId"] == task_id] == list(KINDS)
        assert receiver.refused == 3
        assert receiver.bad_signatures == 0
        created = next(b for b in receiver.received if b["data"]["taskId"] == task_ids[0])
        assert created["type"] == "task.created"
        assert created["data"]["toStatus"] in (None, "INTAKE", "READY")

    hooks = json.loads(mc(servers[1], "--json", "webhook", "list").stdout)
    assert hooks == [
        {
            **hooks[0],
            "id": webhook_id,
            "lastStatus": 204,
            "failures": 0,
            "pending": 0,
            "failed": 0,
        }
    ]
    listing = mc(servers[0], "--json", "webhook", "deliveries", str(webhook_id), "--limit", "500")
    rows = json.loads(listing.stdout)
    assert len(rows) == len(expected)
    retried = [row for row in rows if row["attempts"] > 1]
    assert retried and retried[-1]["lastStatus"] == 204
    assert sum(row["attempts"] for row in rows) == len(expected) + 3
