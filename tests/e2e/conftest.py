"""Servers in the modes several end-to-end files need, and the runner processes they start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.runners import RunnerProcess
from tests.support.server import ServerProcess


@pytest.fixture
def manual_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    """A server whose autonomy is manual: every pickup waits for the operator."""
    env = {"MC_AUTONOMY": "manual"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


@pytest.fixture
def runners() -> Iterator[list[RunnerProcess]]:
    """Runner processes a test starts; all stopped after it."""
    started: list[RunnerProcess] = []
    yield started
    for runner in started:
        runner.stop()
