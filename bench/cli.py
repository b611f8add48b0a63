"""CLI start-up: `mission-control task list --json` against a live server vs `python -c pass`.

    .venv/bin/python -m bench.cli [--runs 7]

One server on a temporary SQLite file with 20 tasks. Each figure is the median wall time of
`runs` runs; the baseline is the bare interpreter start in the same run. `--help` is shown
beside it. The command runs as this environment has it (with PYTHONDONTWRITEBYTECODE set, our
modules are compiled from source on every start), and once more as an installed package runs,
its bytecode cached (in a private directory, after one warm-up run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import Api, Table, create_task, median, servers

SCRIPT = Path(sys.executable).parent / "mission-control"


def wall(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) milliseconds of `runs` runs."""
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return median(times) * 1000, median(cpus) * 1000


async def run(runs: int = 7) -> list[Table]:
    table = Table("CLI start-up", f"python -m bench.cli --runs {runs}")
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite://{Path(workdir) / 'mc.db'}"
        with servers(url) as (server,):
            async with Api(server) as api:
                for n in range(20):
                    await create_task(api, n)
            env = {k: v for k, v in os.environ.items() if not k.startswith("MC_")}
            env.update(MC_SERVER_URL=server.url, MC_TOKEN=server.operator_token)
            bare = wall([sys.executable, "-c", "pass"], env, runs)
            listing = wall([str(SCRIPT), "--json", "task", "list"], env, runs)
            helping = wall([str(SCRIPT), "--help"], env, runs)
            cached_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            cached_env["PYTHONPYCACHEPREFIX"] = str(Path(workdir) / "bytecode")
            wall([str(SCRIPT), "--json", "task", "list"], cached_env, 1)  # writes the cache
            cached = wall([str(SCRIPT), "--json", "task", "list"], cached_env, runs)
    table.add(
        "`task list --json` wall time",
        listing[0],
        bare[0],
        "ms",
        "python -c pass",
        "≤ baseline + 400 ms",
    )
    table.add("`task list --json` CPU time", listing[1], bare[1], "ms", "python -c pass")
    table.add(
        "`task list --json` wall time, bytecode cached",
        cached[0],
        bare[0],
        "ms",
        "python -c pass",
    )
    table.add(
        "`task list --json` CPU time, bytecode cached", cached[1], bare[1], "ms", "python -c pass"
    )
    table.add("`--help` wall time", helping[0], bare[0], "ms", "python -c pass")
    table.add("`--help` CPU time", helping[1], bare[1], "ms", "python -c pass")
    table.notes.append(
        f"extra wall time over the bare interpreter: task list {listing[0] - bare[0]:.0f} ms, "
        f"--help {helping[0] - bare[0]:.0f} ms (median of {runs}); on a loaded machine the "
        "CPU time is the steadier figure"
    )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for table in asyncio.run(run(args.runs)):
        table.print()


if __name__ == "__main__":
    main()
