"""Real runner processes (the installed `mission-control agent run`) and waiting on Events."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gql import GraphQLRequest

from tests.support.graphql import ws_client
from tests.support.processes import carrying, kill, track
from tests.support.server import ServerProcess

WORK_SCRIPT = Path(__file__).with_name("work_script.py")
# Each runner's environment carries a tag of its own; its commands inherit it.
RUNNER_TAG = "MISSION_CONTROL_TEST_RUNNER"
MISSION_CONTROL = str(Path(sys.executable).with_name("mission-control"))

EVENTS = """
subscription($since: Int) {
  events(since: $since) { id kind taskId agentName fromStatus toStatus payload }
}
"""


def clean_environment() -> dict[str, str]:
    """This process's environment without MC_* settings, so only the given options count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MC_")}


@dataclass
class RunnerProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    tag: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the runner, then whatever commands of it are left.

        A runner a test killed with SIGKILL cannot stop its command (started in a session of
        its own, so nothing else does either): the command would outlive the suite.
        """
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.tag:
            kill(carrying(RUNNER_TAG, self.tag))


def start_runner(
    server: ServerProcess, name: str, token: str, *extra: str, interval: float = 0.5
) -> RunnerProcess:
    """`mission-control agent run` as a person would start it, logging to a file."""
    command = f"{sys.executable} {WORK_SCRIPT} {server.workdir} {' '.join(extra)}"
    log_path = server.workdir / f"runner-{name}.log"
    env = clean_environment()
    env["AGENT_NAME"] = name
    env[RUNNER_TAG] = tag = secrets.token_hex(8)
    options = ["--name", name, "--token", token, "--server", server.url, "--command", command]
    process = subprocess.Popen(
        [MISSION_CONTROL, "agent", "run", *options, "--interval", str(interval)],
        env=env,
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
    )
    track(process)
    return RunnerProcess(name, process, log_path, tag)


async def wait_for_events(
    server: ServerProcess,
    done: Callable[[list[dict[str, Any]]], bool],
    since: int = 0,
) -> list[dict[str, Any]]:
    """Follow the Event log from `since` until `done(events so far)` holds; return them."""
    seen: list[dict[str, Any]] = []
    client = ws_client(server.ws_url, server.operator_token)
    async with client as session:
        request = GraphQLRequest(EVENTS, variable_values={"since": since})
        async for result in session.subscribe(request):
            seen.append(result["events"])
            if done(seen):
                return seen
    return seen


def done_log(server: ServerProcess) -> list[tuple[str, int, str]]:
    path = server.workdir / "done.log"
    if not path.exists():
        return []
    rows = [line.split(" ", 2) for line in path.read_text().splitlines()]
    return [(agent, int(task_id), tags) for agent, task_id, tags in rows]


async def wait_for_log(runner: RunnerProcess, text: str, within: float = 30.0) -> None:
    """Until the runner has logged `text` (what it did not tell the server, e.g. a refused
    claim, shows only in its log); TimeoutError after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while text not in runner.log():
        if loop.time() > deadline:
            raise TimeoutError(f"runner {runner.name} did not log {text!r}")
        await asyncio.sleep(0.05)
