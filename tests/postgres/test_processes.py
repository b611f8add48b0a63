"""Two server processes on two ports sharing one PostgreSQL database: one board, one stream."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.leadership import LEADER_LOCK
from tests.postgres.board import claim_until_empty, make_agents, make_backlog
from tests.postgres.conftest import FAST_LEASES
from tests.postgres.watch import watching
from tests.support.databases import ADVISORY_LOCK_HOLDER as LEADER
from tests.support.factories import make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres

CREATED = EventKind.CREATED.name


async def last_event_id(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT coalesce(max(id), 0) FROM events"))


async def logged_after(db: asyncpg.Connection, since: int) -> list[int]:
    """The Event ids after `since` in delivery order: (tx, id), which with two processes
    writing at once is not id order (store/event_log.py)."""
    after = "(SELECT coalesce(max(tx), 0), $1::bigint FROM events WHERE id = $1)"
    rows = await db.fetch(f"SELECT id FROM events WHERE (tx, id) > {after} ORDER BY tx, id", since)
    return [row["id"] for row in rows]


async def wait_for_leader(db: asyncpg.Connection, other_than: int | None = None) -> int:
    """The backend pid holding the leader lock, once some process (not `other_than`) holds it."""
    async with asyncio.timeout(20):
        while True:
            pid = await db.fetchval(LEADER, LEADER_LOCK)
            if pid is not None and pid != other_than:
                return int(pid)
            await asyncio.sleep(0.1)


def created(task_id: int):  # type: ignore[no-untyped-def]
    return lambda events: any(e["kind"] == CREATED and e["taskId"] == task_id for e in events)


async def test_a_task_created_through_one_process_reaches_a_subscriber_on_the_other(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    first, second = start_server(), start_server()
    async with watching(second, since=await last_event_id(db)) as watcher:
        # Once a local change has arrived the subscription is live on `second`.
        local = await make_task(http_client(second.graphql_url, second.operator_token))
        await watcher.until(created(local["id"]), timeout=20)

        remote = await make_task(http_client(first.graphql_url, first.operator_token), "Remote")
        await watcher.until(created(remote["id"]), timeout=20)

    ids = [event["id"] for event in watcher.events]
    assert len(ids) == len(set(ids))
    assert [i for i in await logged_after(db, 0) if i in ids] == ids, "in delivery order"


async def test_a_process_whose_listening_connection_drops_reconnects_and_misses_nothing(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    first, second = start_server(), start_server()
    since = await last_event_id(db)
    listeners = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = $1"
    name = await db.fetchval("SELECT current_database()")
    async with watching(second, since=since) as watcher:
        local = await make_task(http_client(second.graphql_url, second.operator_token))
        await watcher.until(created(local["id"]), timeout=20)

        killed = [row["pid"] for row in await db.fetch(listeners, name)]
        assert len(killed) == 2  # one listening connection per process
        for pid in killed:
            await db.execute("SELECT pg_terminate_backend($1)", pid)
        remote = await make_task(http_client(first.graphql_url, first.operator_token), "Remote")
        await watcher.until(created(remote["id"]), timeout=20)

        async with asyncio.timeout(20):
            while len(now := {r["pid"] for r in await db.fetch(listeners, name)}) < 2:
                await asyncio.sleep(0.1)
        assert not now & set(killed)

    assert [event["id"] for event in watcher.events] == await logged_after(db, since)


@pytest.mark.timeout(300)  # 3,000 requests: slow when CI's cores are busy
async def test_fifty_agents_over_two_processes_claim_a_thousand_tasks_once_each(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    first, second = start_server(), start_server()
    backlog = [*await make_backlog(first, 500), *await make_backlog(second, 500)]
    tokens = await make_agents(first, 50)

    claims = await asyncio.gather(
        *(claim_until_empty((first, second)[n % 2], token) for n, token in enumerate(tokens))
    )

    claimed = [task_id for agent_claims in claims for task_id, _ in agent_claims]
    assert len(claimed) == len(set(claimed)) == 1000
    assert set(claimed) == set(backlog)
    holders = {task_id: name for agent_claims in claims for task_id, name in agent_claims}
    rows = await db.fetch(
        "SELECT t.id, t.status, a.name FROM tasks t JOIN agents a ON a.id = t.assignee_id"
    )
    assert {row["id"]: row["name"] for row in rows} == holders
    assert {row["status"] for row in rows} == {TaskStatus.IN_PROGRESS.value}
    events = await db.fetchval(
        "SELECT count(*) FROM events WHERE kind = $1", EventKind.CLAIMED.value
    )
    assert events == 1000


async def test_killing_a_process_loses_no_event_and_the_other_requeues_its_leases(
    start_server: type[ServerProcess], db: asyncpg.Connection
) -> None:
    doomed = start_server(**FAST_LEASES)
    old_leader = await wait_for_leader(db)  # alone, the first process leads
    survivor = start_server(**FAST_LEASES)
    since = await last_event_id(db)
    async with watching(survivor, since=since) as watcher:
        await make_backlog(doomed, 5)
        [token] = await make_agents(doomed, 1, prefix="mortal")
        held = [task_id for task_id, _ in await claim_until_empty(doomed, token)]
        assert len(held) == 5

        doomed.kill()

        expired = EventKind.LEASE_EXPIRED.name
        await watcher.until(
            lambda events: {e["taskId"] for e in events if e["kind"] == expired} == set(held),
            timeout=40,
        )
    assert await wait_for_leader(db, other_than=old_leader) != old_leader

    assert [event["id"] for event in watcher.events] == await logged_after(db, since)
    statuses = await db.fetch("SELECT status FROM tasks WHERE id = ANY($1::int[])", held)
    assert {row["status"] for row in statuses} == {TaskStatus.READY.value}
    operator = http_client(survivor.graphql_url, survivor.operator_token)
    for task_id in held:
        shown = await run(
            operator, "query($id: Int!) { task(id: $id) { status } }", {"id": task_id}
        )
        assert shown["task"]["status"] == TaskStatus.READY.name
