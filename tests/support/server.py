"""A real Mission Control server in a subprocess, on a free loopback port, with its own database."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import forkserver
from tests.support.processes import track

OPERATOR_TOKEN = "mco_test_operator_token"
# A deadline for start-up, not a speed check: on a machine shared with other suites a server's
# imports alone took 30 s of wall time (3 s of CPU), and 30 s failed healthy servers.
START_TIMEOUT = 90.0


# What `serve` prints when its port was taken between free_port() and its bind (cli/main.py).
PORT_IN_USE = "the port is in use"
PORT_ATTEMPTS = 3


class PortTaken(RuntimeError):
    """The picked port was bound by someone else before the server could bind it."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    workdir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | forkserver.ForkedProcess | None = None
    operator_token: str = OPERATOR_TOKEN

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
        env.update(
            MC_DATABASE_URL=self.database_url,
            MC_HOST="127.0.0.1",
            MC_PORT=str(self.port),
            MC_OPERATOR_TOKEN=self.operator_token,
            MC_LOG_LEVEL="warning",
            MC_SWEEP_INTERVAL_SECONDS="0.5",
        )
        env.update(self.env)
        return env

    def start(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        """Start and wait until it answers. The port was free when it was picked, but anything
        on the machine may bind it before the server does: then the server exits with "the
        port is in use", and it is started again on another free port."""
        for _attempt in range(PORT_ATTEMPTS - 1):
            try:
                return self._start_once(timeout)
            except PortTaken:
                self.port = free_port()
        return self._start_once(timeout)

    def _start_once(self, timeout: float) -> ServerProcess:
        if forkserver.enabled():
            self.process = forkserver.spawn(
                ["serve"], self.workdir, self.environment(), self.log_path
            )
        else:
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "mission_control", "serve"],
                    cwd=self.workdir,
                    env=self.environment(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            track(self.process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                printed = self.log_path.read_text()
                if PORT_IN_USE in printed:
                    self.process = None
                    raise PortTaken(printed)
                raise RuntimeError(f"server exited early:\n{printed}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response,
            ):
                if response.status == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s:\n{self.log_path.read_text()}")

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> str:
        """The log once `pattern` (a regex) appears in it: the server prints its start-up lines
        just after it starts answering, so a test that reads them must wait for them."""
        deadline = time.monotonic() + timeout
        while True:
            printed = self.log_path.read_text(errors="replace")
            if re.search(pattern, printed) or time.monotonic() >= deadline:
                return printed
            time.sleep(0.05)

    def __enter__(self) -> ServerProcess:
        return self if self.process else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when a host dies."""
        if self.process:
            self.process.kill()
            self.process.wait(5)
        self.process = None
