"""The runner's command handling on real shell processes: progress lines, tails, stopping."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from mission_control.client.work import parse_progress, run_command

TASK = {"id": 7, "title": "Fix it", "description": "now", "tags": ["python", "docs"], "priority": 2}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PROGRESS 40", (40, None)),
        ("PROGRESS 75 parsing done", (75, "parsing done")),
        ("PROGRESS 250", (100, None)),
        ('{"progress": 40, "note": "half"}', (40, "half")),
        ('{"progress": 40}', (40, None)),
        ('{"progress": 140}', None),
        ('{"progress": true}', None),
        ("{not json", None),
        ("progress 40", None),
        ("compiling...", None),
    ],
)
def test_progress_lines_are_recognised_and_everything_else_is_output(
    line: str, expected: tuple[int, str | None] | None
) -> None:
    assert parse_progress(line) == expected


async def test_command_gets_the_task_and_its_progress_and_tails_come_back() -> None:
    script = (
        "import json, os, sys; task = json.loads(sys.stdin.readline()); "
        "print('PROGRESS 30 reading'); "
        "print(json.dumps({'progress': 90})); "
        "print(os.environ['MC_TASK_ID'], os.environ['MC_TASK_TAGS'], task['title']); "
        "print('oops', file=sys.stderr)"
    )
    reports: list[tuple[int, str | None]] = []

    async def sink(value: int, note: str | None) -> None:
        reports.append((value, note))

    outcome = await run_command(f'{sys.executable} -c "{script}"', TASK, sink, asyncio.Event())

    assert outcome.exit_code == 0 and outcome.succeeded
    assert reports == [(30, "reading"), (90, None)]
    assert outcome.output_tail.splitlines()[-1] == "7 python,docs Fix it"
    assert outcome.error_tail == "oops"


async def test_a_failing_command_keeps_only_the_tail_of_its_error() -> None:
    script = "import sys; [print('line', n, file=sys.stderr) for n in range(50)]; sys.exit(4)"

    async def sink(value: int, note: str | None) -> None:
        raise AssertionError("no progress expected")

    outcome = await run_command(
        f'{sys.executable} -c "{script}"', TASK, sink, asyncio.Event(), tail_lines=3
    )

    assert outcome.exit_code == 4 and not outcome.succeeded
    assert outcome.error_tail.splitlines() == ["line 47", "line 48", "line 49"]


async def test_setting_stop_terminates_the_command_and_its_children(tmp_path: Path) -> None:
    stop = asyncio.Event()
    started = asyncio.Event()
    child_pid = tmp_path / "child.pid"

    async def sink(value: int, note: str | None) -> None:
        started.set()

    command = f"sleep 60 & echo $! > {child_pid}; echo PROGRESS 5; sleep 60"
    work = asyncio.create_task(run_command(command, TASK, sink, stop, grace=2))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()
    outcome = await asyncio.wait_for(work, 10)

    assert outcome.exit_code is None
    assert await gone(int(child_pid.read_text()), within=5)


async def gone(pid: int, within: float) -> bool:
    """The process has exited (or is a zombie waiting for init to reap it)."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split()[2] == "Z":
            return True
        await asyncio.sleep(0.05)
    return False
