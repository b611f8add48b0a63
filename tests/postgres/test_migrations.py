"""The schema is created from nothing on PostgreSQL by the same migrations SQLite uses."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

pytestmark = pytest.mark.postgres

TABLES = {
    "agents",
    "approvals",
    "controls",
    "credentials",
    "events",
    "task_dependencies",
    "tasks",
    "aerich",
}


def migrate(url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env["MC_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-m", "mission_control", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr  # the console writes to stderr


async def test_migrations_apply_to_an_empty_database_then_report_up_to_date(
    pg_url: str, db: asyncpg.Connection
) -> None:
    assert await db.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0

    assert "Applied" in migrate(pg_url)
    tables = {
        row["tablename"]
        for row in await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert tables >= TABLES
    applied = await db.fetchval("SELECT count(*) FROM aerich")

    assert "Up to date." in migrate(pg_url)
    assert await db.fetchval("SELECT count(*) FROM aerich") == applied
