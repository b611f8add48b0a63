"""The README's two set-up commands, as written, work in a fresh copy with a fresh venv."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.server import free_port

PROJECT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", ".*_cache", "*.db", "*.db-*", ".env"
)
TOKEN = "mco_readme_operator_token"


def setup_commands() -> list[str]:
    """The shell blocks of the README's "Set up" section, in order."""
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def clean_environment(**extra: str) -> dict[str, str]:
    """This machine's environment (its pip index included) minus anything of this test run."""
    dropped = ("MC_", "VIRTUAL_ENV", "PYTHONPATH", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(extra)
    return env


def answer(url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=5) as r:
        return dict(json.loads(r.read()))


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Polls /healthz: the server's start-up includes the pip install, so there is no event."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the serve command exited:\n{log.read_text()[-3000:]}"
        try:
            if answer(f"{url}/healthz")["status"] == "ok":
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server never answered:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("readme") / "mission-control"
    shutil.copytree(PROJECT, copy, ignore=SKIP)
    return copy


def test_readme_has_exactly_two_setup_commands() -> None:
    serve, test = setup_commands()
    assert serve.endswith("mission-control serve")
    assert test.endswith(".venv/bin/python -m pytest")


@pytest.mark.slow
@pytest.mark.timeout(900)  # two fresh pip installs; slow on a loaded two-core machine
def test_readme_commands_start_a_server_that_answers_and_run_the_tests(fresh_copy: Path) -> None:
    serve, test = setup_commands()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = fresh_copy / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", serve],
            cwd=fresh_copy,
            env=clean_environment(MC_PORT=str(port), MC_OPERATOR_TOKEN=TOKEN),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_health(url, process, log)
        board = answer(f"{url}/graphql", {"query": "{ board { columns { status count } } }"})
        assert board["data"] == {
            "board": {
                "columns": [
                    {"status": status, "count": 0}
                    for status in (
                        "INTAKE",
                        "READY",
                        "IN_PROGRESS",
                        "REVIEW",
                        "BLOCKED",
                        "DONE",
                        "CANCELLED",
                    )
                ]
            }
        }
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, to the group this test started
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
            pytest.fail(f"Ctrl-C did not stop the server:\n{log.read_text()[-3000:]}")
    assert (fresh_copy / "mission-control.db").exists(), "the default SQLite file is in the cwd"

    # The test command as written, narrowed to the unit tests (the full suite runs here already).
    unit_only = test.removesuffix("pytest") + "pytest tests/unit -q -p no:cacheprovider"
    result = subprocess.run(
        ["bash", "-c", unit_only],
        cwd=fresh_copy,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
