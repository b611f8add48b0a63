"""One piece of work: the agent's command run on a task, its progress lines, and its end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ProgressSink = Callable[[int, str | None], Awaitable[None]]
UsageSink = Callable[["UsageLine"], Awaitable[None]]
OutputSink = Callable[[str], None]  # every line printed, stdout and stderr; must not wait

_PROGRESS_LINE = re.compile(r"^PROGRESS\s+(\d{1,3})(?:\s+(.*))?$")
_USAGE_LINE = re.compile(r"^USAGE\s+(\{.*\})$")
# Leads the command's process group and kills it if the runner dies (client/guardian.py).
GUARDIAN = str(Path(__file__).with_name("guardian.py"))


@dataclass(frozen=True)
class UsageLine:
    """`USAGE {"tokens": 1234, "cost_usd": 0.05, "model": "..."}`: spent since the last one."""

    tokens: int
    cost_usd: float | None = None
    model: str | None = None


def parse_usage(line: str) -> UsageLine | None:
    """A USAGE line with whole tokens (and optionally a number cost_usd, a string model);
    anything else: None. The server checks the bounds."""
    match = _USAGE_LINE.match(line.strip())
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    tokens, cost, model = data.get("tokens"), data.get("cost_usd"), data.get("model")
    if not isinstance(tokens, int) or isinstance(tokens, bool):
        return None
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
        return None
    if model is not None and not isinstance(model, str):
        return None
    return UsageLine(tokens, None if cost is None else float(cost), model)


@dataclass(frozen=True)
class WorkOutcome:
    """How the command ended: its exit code (None when stopped or timed out), the tails of its
    output, and whether it was stopped for running past its time limit."""

    exit_code: int | None
    output_tail: str
    error_tail: str
    timed_out: bool = False

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0


def parse_progress(line: str) -> tuple[int, str | None] | None:
    """`PROGRESS 40 [note]` or a JSON line {"progress": 40, "note": "..."}; anything else: None."""
    text = line.strip()
    if match := _PROGRESS_LINE.match(text):
        return min(int(match.group(1)), 100), match.group(2) or None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        value = data.get("progress") if isinstance(data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
            note = data.get("note")
            return value, note if isinstance(note, str) else None
    return None


def comments_text(comments: list[dict[str, Any]]) -> str:
    """The task's comments as lines a shell script can read: `author: body`, oldest first."""
    return "\n".join(f"{c.get('author')}: {c.get('body')}" for c in comments)


def task_environment(task: dict[str, Any]) -> dict[str, str]:
    """The task as MC_TASK_* variables, added to the runner's own environment."""
    env = dict(os.environ)
    env.update(
        MC_TASK_ID=str(task["id"]),
        MC_TASK_TITLE=str(task.get("title") or ""),
        MC_TASK_DESCRIPTION=str(task.get("description") or ""),
        MC_TASK_TAGS=",".join(task.get("tags") or []),
        MC_TASK_PRIORITY="" if task.get("priority") is None else str(task["priority"]),
        MC_TASK_FEEDBACK=str(task.get("feedback") or ""),
        MC_TASK_COMMENTS=comments_text(task.get("comments") or []),
        MC_TASK_JSON=json.dumps(task),
    )
    return env


async def _pump(
    stream: asyncio.StreamReader,
    tail: deque[str],
    on_line: Callable[[str], Awaitable[None]],
    on_output: OutputSink | None,
) -> None:
    while line := await stream.readline():
        text = line.decode(errors="replace").rstrip("\n")
        tail.append(text)
        if on_output is not None:
            on_output(text)
        await on_line(text)


def group_alive(pgid: int) -> bool:
    """Whether any process of the group `pgid` is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _terminate(process: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM the command's whole process group; SIGKILL whatever of it is left after `grace`
    seconds (the shell may be gone while a child that ignores SIGTERM lives on)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline:
        if process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), 0.05)
        elif group_alive(process.pid):
            await asyncio.sleep(0.05)  # the shell is gone; its children may still be exiting
        else:
            return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


async def run_command(
    command: str,
    task: dict[str, Any],
    on_progress: ProgressSink,
    stop: asyncio.Event,
    *,
    tail_lines: int = 20,
    grace: float = 5.0,
    time_limit: float | None = None,
    started: Callable[[int], None] | None = None,
    on_usage: UsageSink | None = None,
    cwd: Path | None = None,
    on_output: OutputSink | None = None,
) -> WorkOutcome:
    """Run `command` in a shell on `task` (in `cwd`); report its progress; end it early when
    `stop` is set or after `time_limit` seconds. `started` learns the command's process group;
    `on_output` sees every line it prints.

    The command runs in a process group of its own under a guardian (client/guardian.py) that
    kills the group when this runner dies, even by SIGKILL: no command outlives its runner."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-S",
        GUARDIAN,
        str(os.getpid()),
        command,
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=task_environment(task),
        start_new_session=True,
    )
    assert process.stdin and process.stdout and process.stderr
    if started is not None:
        started(process.pid)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(json.dumps(task).encode() + b"\n")
        await process.stdin.drain()
        process.stdin.close()
    out: deque[str] = deque(maxlen=tail_lines)
    err: deque[str] = deque(maxlen=tail_lines)

    async def progress_line(text: str) -> None:
        if (parsed := parse_progress(text)) is not None:
            await on_progress(*parsed)
        elif on_usage is not None and (usage := parse_usage(text)) is not None:
            await on_usage(usage)

    async def ignore(_: str) -> None:
        return None

    readers = asyncio.gather(
        _pump(process.stdout, out, progress_line, on_output),
        _pump(process.stderr, err, ignore, on_output),
    )
    stopped = asyncio.create_task(stop.wait())
    finished = asyncio.create_task(process.wait())
    await asyncio.wait({stopped, finished}, timeout=time_limit, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not finished.done():
        timed_out = not stop.is_set()
        await _terminate(process, grace)
        readers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await readers
        return WorkOutcome(None, "\n".join(out), "\n".join(err), timed_out=timed_out)
    await readers
    return WorkOutcome(process.returncode, "\n".join(out), "\n".join(err))
