"""Running the installed `mission-control` command against a test server, as a script would."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess


def mc(
    server: ServerProcess, *args: str, token: str | None = None, expect: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run `mission-control --server URL --token T ARGS`, asserting its exit code."""
    auth = ["--token", token or server.operator_token]
    done = subprocess.run(
        [MISSION_CONTROL, "--server", server.url, *auth, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(),
    )
    assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def mc_json(server: ServerProcess, *args: str, token: str | None = None) -> Any:
    return json.loads(mc(server, "--json", *args, token=token).stdout)
