"""The schema is created from nothing on PostgreSQL by the same migrations SQLite uses."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from mission_control.database import MIGRATIONS

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


async def test_processes_starting_together_on_an_empty_database_take_turns_to_migrate(
    pg_url: str, db: asyncpg.Connection
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env["MC_DATABASE_URL"] = pg_url
    command = [sys.executable, "-m", "mission_control", "migrate"]
    starts = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [start.communicate(timeout=60)[0].decode() for start in starts]

    assert [start.returncode for start in starts] == [0, 0, 0], outputs
    assert sum("Applied" in output for output in outputs) == 1
    assert sum("Up to date." in output for output in outputs) == 2
    migrations = [path for path in MIGRATIONS.joinpath("models").glob("[0-9]*_*.py")]
    assert await db.fetchval("SELECT count(*) FROM aerich") == len(migrations)
