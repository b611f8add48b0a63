"""Two Mission Control databases on one server do not see each other's locks.

PostgreSQL scopes advisory locks by database (the lock tag carries the database's oid, shown as
`pg_locks.database`), so the same key in two databases is two locks: each suite's processes
elect their own leader and take their own turns to migrate, beside any other suite.
"""

from __future__ import annotations

import asyncpg
import pytest

from mission_control.leadership import LEADER_LOCK, AdvisoryLockLeader
from mission_control.migration_lock import MIGRATION_LOCK
from tests.support.databases import ADVISORY_LOCK_HOLDER, postgres_database

pytestmark = pytest.mark.postgres


async def test_each_database_elects_its_own_leader_with_the_same_key(pg_url: str) -> None:
    async with postgres_database() as other_url:
        ours, theirs = AdvisoryLockLeader(pg_url), AdvisoryLockLeader(other_url)
        rival = AdvisoryLockLeader(pg_url)
        look = await asyncpg.connect(pg_url)
        try:
            assert await theirs.refresh() is True
            assert await ours.refresh() is True  # their leader does not stop ours
            assert await rival.refresh() is False  # but within one database one leads

            holders = await look.fetch(
                "SELECT database FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = 0 AND objid = $1 AND objsubid = 1",
                LEADER_LOCK,
            )
            ours_held = await look.fetch(ADVISORY_LOCK_HOLDER, LEADER_LOCK)
            assert len(ours_held) == 1  # the filtered view sees only our leader
            assert len({row["database"] for row in holders}) >= 2
        finally:
            await look.close()
            for leader in (ours, theirs, rival):
                await leader.release()


@pytest.mark.parametrize("key", [LEADER_LOCK, MIGRATION_LOCK])
async def test_a_key_held_in_another_database_is_free_in_ours(pg_url: str, key: int) -> None:
    async with postgres_database() as other_url:
        theirs = await asyncpg.connect(other_url)
        ours = await asyncpg.connect(pg_url)
        second = await asyncpg.connect(pg_url)
        try:
            assert await theirs.fetchval("SELECT pg_try_advisory_lock($1)", key) is True
            assert await ours.fetchval("SELECT pg_try_advisory_lock($1)", key) is True
            assert await second.fetchval("SELECT pg_try_advisory_lock($1)", key) is False
        finally:
            for conn in (theirs, ours, second):
                await conn.close()
