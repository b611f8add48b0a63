"""The command's guardian: runs the agent's command so that it dies with its runner.

A runner stops its command's process group itself on SIGINT/SIGTERM, but a runner killed with
SIGKILL (or the OOM killer) cannot. The guardian leads the command's process group, asks the
kernel (Linux `prctl(PR_SET_PDEATHSIG)`) for a signal when the runner dies, and on it kills the
whole group, children of the shell included, which a death signal on the shell alone would
miss (the kernel clears it on fork). Otherwise it stays out of the way: stdin, stdout and
stderr go straight to the shell, a SIGTERM from the runner's clean stop reaches the whole
group, and its exit code is the command's.

Run as `python -I -S guardian.py RUNNER_PID COMMAND`; it imports only the standard library.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from types import FrameType

PR_SET_PDEATHSIG = 1
RUNNER_GONE = signal.SIGUSR1


def _kill_group(_signum: int, _frame: FrameType | None) -> None:
    os.killpg(0, signal.SIGKILL)  # the shell, its children and this guardian


def _let_the_group_end(_signum: int, _frame: FrameType | None) -> None:
    """The runner's clean stop signals the whole group; the guardian waits for the shell to
    end and reports its exit code (a handler, not SIG_IGN, so the shell does not inherit it)."""


def watch_runner(runner_pid: int) -> None:
    """Ask for RUNNER_GONE when our parent, the runner, dies; act at once if it already has."""
    signal.signal(RUNNER_GONE, _kill_group)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(RUNNER_GONE), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != runner_pid:  # the runner died before the death signal was set
        _kill_group(int(RUNNER_GONE), None)


def main(argv: list[str]) -> int:
    runner_pid, command = int(argv[1]), argv[2]
    watch_runner(runner_pid)
    signal.signal(signal.SIGTERM, _let_the_group_end)
    signal.signal(signal.SIGINT, _let_the_group_end)
    code = subprocess.call(["/bin/sh", "-c", command])
    return 128 - code if code < 0 else code  # a signal, as a shell reports it


if __name__ == "__main__":
    sys.exit(main(sys.argv))
