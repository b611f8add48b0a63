"""The `user` fixture runs tests/ui/main.py against a runtime on a fresh SQLite file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mission_control.runtime import Runtime
from mission_control.settings import load_settings
from tests.support.server import OPERATOR_TOKEN

_current: list[Runtime] = []


def started_runtime() -> Runtime:
    """The runtime of the running test (what the pages call the services with)."""
    return _current[-1]


@pytest.fixture(autouse=True)
async def board_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    """A started runtime (migrated database, event hub) that the pages under test use."""
    monkeypatch.setenv("MC_DATABASE_URL", f"sqlite://{tmp_path / 'board.db'}")
    monkeypatch.setenv("MC_OPERATOR_TOKEN", OPERATOR_TOKEN)
    monkeypatch.setenv("MC_SWEEP_INTERVAL_SECONDS", "3600")
    runtime = Runtime(load_settings())
    await runtime.start()
    _current.append(runtime)
    try:
        yield runtime
    finally:
        _current.remove(runtime)
        await runtime.stop()
