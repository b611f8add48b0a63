"""Fixtures that build real things: a server on a free port, its database file, gql clients."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gql import Client

from tests.support import forkserver, processes
from tests.support.graphql import http_client
from tests.support.server import ServerProcess

# NiceGUI's `user` fixture (simulated browser) for tests/ui; inert for every other test.
pytest_plugins = ["nicegui.testing.user_plugin"]

# The suite starts hundreds of Python processes (servers, runners, CLI calls). Where the
# environment says PYTHONDONTWRITEBYTECODE (this machine's does), each of them compiled the
# project from source again: ~0.7 s of CPU per start. Let them cache their bytecode.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# How long a process that is already ending (its parent just stopped it) may take to go.
SURVIVOR_GRACE_SECONDS = 3.0


@pytest.fixture(scope="session", autouse=True)
def no_process_survives() -> Iterator[None]:
    """Fail the run, naming them, when processes the tests started are alive at its end.

    Survivors are killed first, so a failed run leaves nothing behind either.
    """
    mark = processes.mark_this_run()
    yield
    forkserver.stop()
    deadline = time.monotonic() + SURVIVOR_GRACE_SECONDS
    while (left := processes.survivors(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        report = processes.describe(left)
        processes.kill(left)
        pytest.fail(f"{len(left)} process(es) outlived the test run (now killed):\n{report}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    processes.note_test(item.nodeid)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'mission-control.db'}"


@pytest.fixture
def server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    """A fresh server on SQLite, in its own directory, stopped after the test."""
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url) as process:
        yield process


@pytest.fixture
def operator(server: ServerProcess) -> Client:
    return http_client(server.graphql_url, server.operator_token)


@pytest.fixture
def client_for(server: ServerProcess) -> Callable[[str | None], Client]:
    return lambda token: http_client(server.graphql_url, token)
