"""A test server whose picked port is taken before it binds starts on another one."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

from tests.support.server import ServerProcess


def test_a_server_whose_port_was_taken_meanwhile_starts_on_another(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = ServerProcess(workdir=tmp_path, database_url=f"sqlite://{tmp_path / 'mc.db'}")
        server.port = taken  # as if another process bound it between free_port() and serve
        with server:
            assert server.port != taken
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
                assert response.status == 200
        assert "the port is in use" in (tmp_path / f"server-{taken}.log").read_text()
