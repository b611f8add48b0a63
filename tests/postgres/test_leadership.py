"""One leader at a time by advisory lock; leadership moves when the leader's connection goes."""

from __future__ import annotations

import asyncpg
import pytest

from mission_control.leadership import LEADER_LOCK, AdvisoryLockLeader
from tests.support.databases import ADVISORY_LOCK_HOLDER as HOLDER

pytestmark = pytest.mark.postgres


async def test_only_one_process_leads_and_another_takes_over_when_it_lets_go(
    pg_url: str,
) -> None:
    first, second = AdvisoryLockLeader(pg_url), AdvisoryLockLeader(pg_url)
    try:
        assert await first.refresh() is True
        assert await second.refresh() is False
        assert await first.refresh() is True  # a leader keeps leading round after round

        await first.release()
        assert first.is_leader is False
        assert await second.refresh() is True
        assert await first.refresh() is False
    finally:
        await first.release()
        await second.release()


async def test_a_leader_whose_connection_is_cut_loses_leadership_to_the_next(
    pg_url: str, db: asyncpg.Connection
) -> None:
    first, second = AdvisoryLockLeader(pg_url), AdvisoryLockLeader(pg_url)
    try:
        assert await first.refresh() is True
        holder = await db.fetchval(HOLDER, LEADER_LOCK)
        await db.execute("SELECT pg_terminate_backend($1)", holder)

        assert await second.refresh() is True
        assert await first.refresh() is False  # it notices, reconnects, and finds a leader
        assert await db.fetchval(HOLDER, LEADER_LOCK) != holder
    finally:
        await first.release()
        await second.release()
