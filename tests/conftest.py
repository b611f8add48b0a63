"""Fixtures that build real things: a server on a free port, its database file, gql clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gql import Client

from tests.support.graphql import http_client
from tests.support.server import ServerProcess

# NiceGUI's `user` fixture (simulated browser) for tests/ui; inert for every other test.
pytest_plugins = ["nicegui.testing.user_plugin"]


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
