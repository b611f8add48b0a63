"""Every start-up or settings mistake is one readable line and exit code 2, never a traceback:
a real `mission-control serve` (or client command) subprocess per mistake."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import free_port

LIMIT = 30.0  # a hang fails the test instead of blocking the suite


def mission_control(
    args: list[str], cwd: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
    env.update({"MC_DATABASE_URL": f"sqlite://{cwd / 'mc.db'}", "MC_PORT": str(free_port())})
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "mission_control", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        check=False,
    )


def refused_in_one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2, (done.returncode, lines)
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield listening.getsockname()[1]


def test_a_port_in_use_is_named_with_what_to_do(tmp_path: Path, taken_port: int) -> None:
    line = refused_in_one_line(mission_control(["serve", "--port", str(taken_port)], tmp_path))

    assert f"127.0.0.1:{taken_port}" in line and "in use" in line and "--port" in line
    assert not (tmp_path / "mc.db").exists()  # refused before anything was written


def test_an_address_this_machine_does_not_have_is_named(tmp_path: Path) -> None:
    line = refused_in_one_line(mission_control(["serve", "--host", "192.0.2.1"], tmp_path))

    assert "192.0.2.1" in line and "no such address" in line and "MC_HOST" in line


def test_a_host_that_does_not_resolve_is_named(tmp_path: Path) -> None:
    line = refused_in_one_line(
        mission_control(["serve", "--host", "no-such-host.invalid"], tmp_path)
    )

    assert "no-such-host.invalid" in line and "MC_HOST" in line


@pytest.mark.parametrize(
    ("setting", "value"),
    [("MC_SKILL_KEYWORDS", "{not json"), ("MC_AUTO_TAGS", "[trivial"), ("MC_PORT", "abc")],
)
def test_a_bad_setting_is_named_in_one_line(tmp_path: Path, setting: str, value: str) -> None:
    line = refused_in_one_line(mission_control(["serve"], tmp_path, **{setting: value}))

    assert line.startswith("invalid settings:") and setting in line


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("MC_PUBLIC_URL", "not a url"),
        ("MC_SLACK_API_URL", "ftp://example.com"),
        ("MC_LLM_BASE_URL", "http://[::1"),
        ("MC_DATABASE_URL", "mysql://localhost/mc"),
    ],
)
def test_a_bad_url_setting_is_named_in_one_line(tmp_path: Path, setting: str, value: str) -> None:
    line = refused_in_one_line(mission_control(["serve"], tmp_path, **{setting: value}))

    assert line.startswith("invalid settings:") and setting in line


def test_a_list_setting_reads_as_words_or_json(tmp_path: Path) -> None:
    code = "from mission_control.settings import load_settings as l; print(l().auto_tags)"
    for value, expected in (("trivial,docs", "['trivial', 'docs']"), ('["a"]', "['a']")):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "MC_AUTO_TAGS": value},
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=LIMIT,
            check=True,
        )
        assert done.stdout.strip() == expected


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com", "http://[::1"])
def test_a_bad_server_url_for_a_client_command_is_one_line(tmp_path: Path, url: str) -> None:
    done = mission_control(["--server", url, "--token", "t" * 30, "task", "list"], tmp_path)

    line = refused_in_one_line(done)
    assert "--server" in line and repr(url) in line


def test_a_bad_server_url_setting_for_a_client_command_is_one_line(tmp_path: Path) -> None:
    done = mission_control(["task", "list"], tmp_path, MC_SERVER_URL="localhost:3333")

    line = refused_in_one_line(done)
    assert "MC_SERVER_URL" in line
