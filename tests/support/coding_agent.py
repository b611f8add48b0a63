"""A fake coding agent for the worktree tests: edits a file in its working directory, commits
it (unless told not to), and waits until every agent of the test is working at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

task_id = os.environ["MC_TASK_ID"]
rendezvous = Path(sys.argv[1])
expected = int(sys.argv[2])
commit = "--no-commit" not in sys.argv

branch = subprocess.run(
    ["git", "branch", "--show-current"], capture_output=True, text=True, check=True
).stdout.strip()
Path(f"task-{task_id}.txt").write_text(f"{os.environ['MC_TASK_TITLE']}\non {branch}\n")
print("PROGRESS 50 edited", flush=True)
if commit:
    subprocess.run(["git", "add", "-A"], check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"task {task_id}"], check=True)

rendezvous.mkdir(exist_ok=True)
(rendezvous / task_id).write_text(os.getcwd())
deadline = time.monotonic() + 60
while len(list(rendezvous.iterdir())) < expected:  # the other runner works at the same time
    if time.monotonic() > deadline:
        sys.exit(f"only {len(list(rendezvous.iterdir()))} of {expected} agents ever worked at once")
    time.sleep(0.05)
print(f"done on {branch}")
