"""The command a test runner runs on each task: reads the task, prints PROGRESS lines, ends.

Usage: python work_script.py LOG_DIR [--hang]. It appends "<agent> <task id> <tags>" to
LOG_DIR/done.log when it finishes, and writes its process group id to LOG_DIR/group-<task id>.
A task whose description has `#fail` makes it exit 3 with an error on stderr (`#fail-once`:
only on its first attempt). With --hang (or `#hang` in the description) it reports 10%, starts
a child `sleep 300` in its process group and waits until its runner is gone or it is
terminated. `#stubborn` hangs the same way but never looks at its runner (like most real
commands): only its process group being killed ends it. `#slow` makes it take 8 seconds.
The operator's feedback on a rejected task (MC_TASK_FEEDBACK, also in the stdin JSON) is
echoed as "addressed: <feedback>", and each of the task's comments (MC_TASK_COMMENTS, also
`comments` in the JSON) as "comment: <author>: <body>".
With --usage N it prints a `USAGE {"tokens": N, ...}` line after its first progress line.
With --lines N it prints N lines `output line K` (stdout, every tenth on stderr) over about two
seconds; with --stream it prints `tick K` every 0.2 s until its runner is gone or it is
terminated (a command streaming output, for the agents page).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def runner_pid() -> int:
    """The runner that started us: our parent, or the parent of the shell in between."""
    parent = os.getppid()
    stat = Path(f"/proc/{parent}/stat").read_text()
    grandparent = int(stat.rsplit(")", 1)[1].split()[1])
    name = stat.split("(", 1)[1].rsplit(")", 1)[0]
    return grandparent if name in ("sh", "dash", "bash") else parent


def runner_alive(pid: int) -> bool:
    """False once the runner has exited (a reaped or zombie process counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def main() -> int:
    log_dir = Path(sys.argv[1])
    task = json.loads(sys.stdin.readline())
    assert str(task["id"]) == os.environ["MC_TASK_ID"]
    tags = os.environ["MC_TASK_TAGS"]
    asks = os.environ["MC_TASK_DESCRIPTION"].split()
    agent = os.environ.get("AGENT_NAME", "?")
    feedback = os.environ["MC_TASK_FEEDBACK"]
    assert (task.get("feedback") or "") == feedback
    comments = [f"{c['author']}: {c['body']}" for c in task.get("comments") or []]
    assert os.environ["MC_TASK_COMMENTS"] == "\n".join(comments)
    (log_dir / f"group-{task['id']}").write_text(str(os.getpgid(0)))
    print("PROGRESS 10 starting", flush=True)
    if "--usage" in sys.argv:
        tokens = int(sys.argv[sys.argv.index("--usage") + 1])
        usage = {"tokens": tokens, "cost_usd": 0.01, "model": "test-model"}
        print(f"USAGE {json.dumps(usage)}", flush=True)
    if "--lines" in sys.argv:
        count = int(sys.argv[sys.argv.index("--lines") + 1])
        for n in range(count):
            print(f"output line {n}", file=sys.stderr if n % 10 == 9 else sys.stdout, flush=True)
            time.sleep(2 / count)
    if "--stream" in sys.argv:
        runner, n = runner_pid(), 0
        while runner_alive(runner):
            print(f"tick {n}: \x1b[32mok\x1b[0m building step {n}", flush=True)
            n += 1
            time.sleep(0.2)
    if "#stubborn" in asks:
        subprocess.Popen(["sleep", "300"])  # a grandchild of the guardian, in the same group
        time.sleep(300)
        return 9
    if "--hang" in sys.argv or "#hang" in asks:
        child = subprocess.Popen(["sleep", "300"])  # a child in the command's process group
        runner = runner_pid()
        while runner_alive(runner):
            time.sleep(0.1)
        child.kill()  # its runner is gone (SIGKILL): leave nothing behind
        return 9
    time.sleep(8 if "#slow" in asks else 0.3)
    print(json.dumps({"progress": 60, "note": "half way"}), flush=True)
    if "#fail" in asks or ("#fail-once" in asks and task["attempts"] == 0):
        print(f"cannot do task {task['id']}: the disk is full", file=sys.stderr, flush=True)
        return 3
    with (log_dir / "done.log").open("a") as log:
        log.write(f"{agent} {task['id']} {tags}\n")
    if feedback:
        print(f"addressed: {feedback}", flush=True)
    for comment in comments:
        print(f"comment: {comment}", flush=True)
    print(f"did {task['title']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
