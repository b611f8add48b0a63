"""The survivor check finds what a test run leaves behind, even once its parent is gone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.support import processes

# A process that starts a grandchild in a session of its own and exits at once: the grandchild
# is reparented away from pytest, as an agent command is when its runner dies.
ORPHAN = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
print(child.pid, flush=True)
"""


def test_an_orphan_in_a_session_of_its_own_is_found_by_its_mark_and_killed() -> None:
    mark = os.environ[processes.RUN_MARK]
    done = subprocess.run(
        [sys.executable, "-c", ORPHAN], capture_output=True, text=True, check=True
    )
    orphan = int(done.stdout)
    try:
        info = processes.read(orphan)
        assert info is not None and info.ppid != os.getpid() and info.sid == orphan

        found = processes.survivors(mark)

        assert orphan in [p.pid for p in found]
        assert "time.sleep(120)" in processes.describe(found)
    finally:
        processes.kill([p for p in processes.survivors(mark) if p.pid == orphan])
    deadline = time.monotonic() + 10
    while (gone := processes.read(orphan)) is not None and gone.alive:
        assert time.monotonic() < deadline, "the orphan did not die"
        time.sleep(0.05)


def test_a_tracked_process_is_found_without_the_mark_and_another_runs_are_not() -> None:
    env = {k: v for k, v in os.environ.items() if k != processes.RUN_MARK}
    stranger = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], env=env, start_new_session=True
    )
    try:
        assert stranger.pid in [p.pid for p in processes.survivors(os.environ[processes.RUN_MARK])]
        # Another run (another mark, another root) does not count it as its own.
        assert stranger.pid not in [p.pid for p in processes.survivors("other", root=-1)]
        processes.track(stranger)
        assert stranger.pid in [p.pid for p in processes.survivors("other", root=-1)]
        assert (
            processes.started_by(stranger.pid)
            == os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
        )
    finally:
        stranger.kill()
        stranger.wait(10)


def test_a_run_that_leaves_a_process_fails_naming_it_and_kills_it() -> None:
    example = Path(__file__).with_name("leak_example.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 process(es) outlived the test run (now killed)" in done.stdout
    # The survivor is named in the report and again in pytest's short summary: one process.
    named = {
        int(match.group(1))
        for line in done.stdout.splitlines()
        if "leaked on purpose" in line and (match := re.search(r"pid (\d+)", line))
    }
    [pid] = named
    deadline = time.monotonic() + 10
    while (left := processes.read(pid)) is not None and left.alive:
        assert time.monotonic() < deadline, f"{pid} was named but not killed"
        time.sleep(0.05)
