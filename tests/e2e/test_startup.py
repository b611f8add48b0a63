"""Start-up fails fast and clearly: a database that cannot be opened gives one line naming
MC_DATABASE_URL and the cause, exit code 2; Ctrl-C stops `serve` even mid start-up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from mission_control.migration_lock import MIGRATION_LOCK
from tests.support.databases import postgres_database
from tests.support.server import free_port

STARTUP_LIMIT = 10.0  # what the issue promises a person; the subprocess timeout, not a timing


def mission_control(args: list[str], url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env.update(MC_DATABASE_URL=url, MC_PORT=str(free_port()))
    return subprocess.run(
        [sys.executable, "-m", "mission_control", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_LIMIT + 20,  # a hang fails the test instead of blocking the suite
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_sqlite_file_in_a_missing_directory_is_refused_in_one_line(
    tmp_path: Path, command: str
) -> None:
    done = mission_control([command], "sqlite:///no/such/dir/x.db", tmp_path)

    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith("MC_DATABASE_URL=sqlite:///no/such/dir/x.db")
    assert "the directory /no/such/dir does not exist" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files; run as a user")
def test_a_read_only_sqlite_file_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "x.db").write_bytes(b"")
    (folder / "x.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        done = mission_control(["serve"], f"sqlite://{folder / 'x.db'}", tmp_path)
    finally:
        folder.chmod(0o755)

    assert done.returncode == 2
    assert "MC_DATABASE_URL=" in one_line(done) and "readonly" in one_line(done)


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("postgres://postgres@127.0.0.1:{port}/mc", "PostgreSQL refused the connection"),
        ("postgres://postgres:secret@127.0.0.1:5432/mc_no_such_database", "does not exist"),
    ],
)
def test_a_postgresql_that_refuses_is_named_with_its_cause(
    tmp_path: Path, url: str, cause: str
) -> None:
    url = url.format(port=free_port())  # nothing listens there
    done = mission_control(["serve"], url, tmp_path)

    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith("MC_DATABASE_URL=postgres://postgres")
    assert cause in line
    assert "secret" not in line


async def test_ctrl_c_stops_serve_while_its_start_up_waits(tmp_path: Path) -> None:
    try:
        holder_cm = postgres_database()
        url = await holder_cm.__aenter__()
    except OSError as error:
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    try:
        # Another process holds the migration lock: this server's start-up waits for it.
        holder = await asyncpg.connect(url)
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
        env.update(MC_DATABASE_URL=url, MC_PORT=str(free_port()), MC_LOG_LEVEL="info")
        serve = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mission_control",
            "serve",
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )
        assert serve.stderr is not None
        try:
            while b"Waiting for application startup" not in await serve.stderr.readline():
                pass
            await _waiting_for_the_lock(holder, url)
            serve.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(serve.wait(), STARTUP_LIMIT + 20)
        finally:
            if serve.returncode is None:
                serve.kill()
                await serve.wait()
        await holder.close()
    finally:
        await holder_cm.__aexit__(None, None, None)

    assert code in (0, 130, -signal.SIGINT)


async def _waiting_for_the_lock(holder: asyncpg.Connection, url: str) -> None:
    """Await the server's session queueing for the migration lock in our database."""
    database = url.rsplit("/", 1)[1]
    while not await holder.fetchval(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1",
        database,
    ):
        await asyncio.sleep(0.05)
