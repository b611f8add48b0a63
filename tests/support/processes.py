"""Finding every process a test run started, so none outlives the suite.

Three ways to recognise one, because each alone misses some:

- its parent chain leads to the pytest process (plain children and grandchildren);
- its pid was recorded by `track` when tests/support started it (a server, a runner), so it is
  found after its parent died and it was reparented;
- its environment carries this run's mark (`RUN_MARK`, set by the session fixture before the
  first process starts and inherited by everything below: a runner's agent command started in
  a new session and orphaned when its runner died is still ours). Another suite on the same
  machine has another mark, so its processes are never touched.

Processes in the process group or session of any of these are ours as well.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

RUN_MARK = "MISSION_CONTROL_TEST_RUN"  # not MC_*: clean_environment() keeps it
PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    start: int  # clock ticks after boot: tells a recorded pid from a later process reusing it
    command: str

    @property
    def alive(self) -> bool:
        return self.state not in {"Z", "X"}  # a zombie only waits to be reaped


@dataclass(frozen=True)
class Tracked:
    pid: int
    start: int
    started_by: str


_tracked: list[Tracked] = []
_current_test: list[str] = ["(outside a test)"]


def mark_this_run() -> str:
    """Give this process (and so every process it starts from now on) a mark of its own."""
    mark = f"{os.getpid()}-{secrets.token_hex(8)}"
    os.environ[RUN_MARK] = mark
    return mark


def note_test(nodeid: str) -> None:
    _current_test[0] = nodeid


def track(process: subprocess.Popen[bytes] | subprocess.Popen[str] | int) -> None:
    """Remember a process tests/support started, with the test that started it."""
    pid = process if isinstance(process, int) else process.pid
    info = read(pid)
    if info is not None:
        _tracked.append(Tracked(pid, info.start, _current_test[0]))


def read(pid: int) -> ProcessInfo | None:
    """What /proc says about `pid`, or None when it is gone (or not ours to read)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name in parentheses may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    command = raw.replace(b"\0", b" ").decode(errors="replace").strip() or stat.split()[1]
    return ProcessInfo(
        pid=pid,
        ppid=int(fields[1]),
        pgid=int(fields[2]),
        sid=int(fields[3]),
        state=fields[0],
        start=int(fields[19]),
        command=command,
    )


def _has(pid: int, variable: str, value: str) -> bool:
    """Whether `pid` was started with `variable=value` in its environment."""
    try:
        environ = (PROC / str(pid) / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return f"{variable}={value}".encode() in environ.split(b"\0")


def _marked(pid: int, mark: str) -> bool:
    return _has(pid, RUN_MARK, mark)


def carrying(variable: str, value: str) -> list[ProcessInfo]:
    """Living processes started with `variable=value` (and so all they started in turn)."""
    return [
        info
        for info in all_processes().values()
        if info.alive and info.pid != os.getpid() and _has(info.pid, variable, value)
    ]


def all_processes() -> dict[int, ProcessInfo]:
    found: dict[int, ProcessInfo] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (info := read(int(entry.name))) is not None:
            found[info.pid] = info
    return found


def survivors(mark: str, root: int | None = None) -> list[ProcessInfo]:
    """Living processes this run started (see the module doc), the pytest process excluded."""
    root = os.getpid() if root is None else root
    table = all_processes()
    ours: set[int] = set()
    for pid in table:  # descendants of the root by parent chain
        seen: set[int] = set()
        walk = pid
        while walk in table and walk not in seen and walk > 1:
            seen.add(walk)
            if table[walk].ppid == root:
                ours.add(pid)
                break
            walk = table[walk].ppid
    for tracked in _tracked:  # recorded pids, still the same process
        info = table.get(tracked.pid)
        if info is not None and info.start == tracked.start:
            ours.add(info.pid)
    ours.update(pid for pid in table if pid != root and _marked(pid, mark))
    leaders = {pid for pid in ours if pid != root}
    own = table.get(root)
    for info in table.values():  # the groups and sessions our processes lead
        if info.pid != root and (info.pgid in leaders or info.sid in leaders):
            ours.add(info.pid)
    if own is not None:  # never the pytest process or its own group's other members by mistake
        ours.discard(root)
    return sorted((table[pid] for pid in ours if table[pid].alive), key=lambda p: p.pid)


def started_by(pid: int) -> str | None:
    for tracked in _tracked:
        if tracked.pid == pid:
            return tracked.started_by
    return None


def describe(found: list[ProcessInfo]) -> str:
    lines = []
    for info in found:
        origin = started_by(info.pid)
        where = f", started in {origin}" if origin else ""
        lines.append(f"  pid {info.pid} (parent {info.ppid}{where}): {info.command[:200]}")
    return "\n".join(lines)


def kill(found: list[ProcessInfo]) -> None:
    """SIGKILL each survivor (a process that already went is fine)."""
    for info in found:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(info.pid, signal.SIGKILL)
