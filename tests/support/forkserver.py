"""Starting test servers by fork from a process that has already imported Mission Control.

A server started as `python -m mission_control serve` spends ~3 s of CPU importing Strawberry,
Tortoise, NiceGUI and the rest before it listens; on a machine shared by several suites that
was 30-50 s of wall time, for each of the ~150 servers a run starts. The fork server imports
them once, then forks one child per server. Each child is a fresh process of its own: its
own environment (the test's MC_* settings, read at start-up as always), directory, log file
and database, running the same `mission-control serve` entry point. Nothing is shared
between children but the imported code.

`MISSION_CONTROL_TEST_FORKSERVER=0` starts every server with a plain `python -m
mission_control serve` instead. The real command is still covered by the README set-up test
and the CLI tests.

Run as `python -m tests.support.forkserver`: it reads one JSON request per line on stdin
({"argv", "cwd", "env", "log"}) and answers {"pid": N} on stdout. The pytest process holds a
pidfd of each child, so it can wait for it and signal it although it is not its parent.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path

from tests.support.processes import track

DISABLE = "MISSION_CONTROL_TEST_FORKSERVER"
ROOT = Path(__file__).resolve().parents[2]


class ForkedProcess:
    """The Popen methods tests use, for a child of the fork server (exit code not known)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._pidfd = os.pidfd_open(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"forked server {self.pid}", timeout or 0)
            self._ended()
        assert self.returncode is not None
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -1  # ended; its parent (the fork server) reaped it
        os.close(self._pidfd)

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """The client side, in the pytest process: one fork server, started on first use."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def spawn(self, argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> ForkedProcess:
        request = {"argv": argv, "cwd": str(cwd), "env": env, "log": str(log)}
        with self._lock:
            process = self._started()
            assert process.stdin and process.stdout
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            answer = process.stdout.readline()
        if not answer:
            raise RuntimeError("the fork server is gone (see the test output for its error)")
        forked = ForkedProcess(int(json.loads(answer)["pid"]))
        track(forked.pid)
        return forked

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.forkserver"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            track(self._process)
        return self._process

    def stop(self) -> None:
        """End the fork server (its children are stopped by their own tests)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin
                self._process.stdin.close()  # end of requests: it exits
                try:
                    self._process.wait(10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(5)
            self._process = None


_server = ForkServer()


def enabled() -> bool:
    return os.environ.get(DISABLE, "1") != "0"


def spawn(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> ForkedProcess:
    return _server.spawn(argv, cwd, env, log)


def stop() -> None:
    _server.stop()


# The fork server's side.


def _child(request: dict[str, object]) -> None:
    """In the forked child: become the requested server, and never return."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(str(request["cwd"]))
        env = request["env"]
        assert isinstance(env, dict)
        os.environ.clear()
        os.environ.update(env)
        log = os.open(str(request["log"]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        argv = request["argv"]
        assert isinstance(argv, list)
        sys.argv = ["mission-control", *map(str, argv)]
        from mission_control.cli import main

        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    # What `mission-control serve` imports, once, before any fork.
    import mission_control.app
    import mission_control.cli
    import mission_control.runtime  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on pytest: it closes our stdin
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
