"""The command a test runner runs on each task: reads the task, prints PROGRESS lines, ends.

Usage: python work_script.py LOG_DIR [--hang]. It appends "<agent> <task id> <tags>" to
LOG_DIR/done.log when it finishes. A task whose description has `#fail` makes it exit 3
with an error on stderr. With --hang (or `#hang` in the description) it reports 10% and
then waits until its runner is gone or it is terminated. `#slow` makes it take 8 seconds.
With --usage N it prints a `USAGE {"tokens": N, ...}` line after its first progress line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    log_dir = Path(sys.argv[1])
    task = json.loads(sys.stdin.readline())
    assert str(task["id"]) == os.environ["MC_TASK_ID"]
    tags = os.environ["MC_TASK_TAGS"]
    asks = os.environ["MC_TASK_DESCRIPTION"].split()
    agent = os.environ.get("AGENT_NAME", "?")
    print("PROGRESS 10 starting", flush=True)
    if "--usage" in sys.argv:
        tokens = int(sys.argv[sys.argv.index("--usage") + 1])
        usage = {"tokens": tokens, "cost_usd": 0.01, "model": "test-model"}
        print(f"USAGE {json.dumps(usage)}", flush=True)
    if "--hang" in sys.argv or "#hang" in asks:
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(0.1)
        return 9
    time.sleep(8 if "#slow" in asks else 0.3)
    print(json.dumps({"progress": 60, "note": "half way"}), flush=True)
    if "#fail" in asks:
        print(f"cannot do task {task['id']}: the disk is full", file=sys.stderr, flush=True)
        return 3
    with (log_dir / "done.log").open("a") as log:
        log.write(f"{agent} {task['id']} {tags}\n")
    print(f"did {task['title']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
