"""`python -m bench all` runs every issue-13 benchmark and writes bench/RESULTS.md.

    .venv/bin/python -m bench all [--quick]
    .venv/bin/python -m bench NAME [...]      # one or more of: fanout write_latency soak reads
                                              # cli claims scaleout event_order

Each benchmark also runs alone (`python -m bench.NAME --help`). --quick shortens the slow
ones (fewer seconds, fewer messages) and says so in their notes. Before each benchmark the
machine settles (`bench.support.settle`): a CHECKPOINT, then at most 30 s until it is idle.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.support import Table, load, machine, settle

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

# name → (module, keyword arguments for the full run, for --quick)
BENCHMARKS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "cli": ("bench.cli", {}, {"runs": 5}),
    "reads": ("bench.reads", {}, {"requests": 15}),
    "fanout": ("bench.fanout", {"seconds": 15}, {"seconds": 5, "sizes": (1, 100, 500)}),
    "write_latency": ("bench.write_latency", {"seconds": 30}, {"seconds": 5}),
    "soak": ("bench.memory_soak", {}, {"messages": 20_000}),
    "claims": ("bench.claim_api", {}, {"tasks": 1000}),
    "scaleout": ("bench.scaleout", {}, {"tasks": 1000}),
    "event_order": ("bench.event_order", {"seconds": 10}, {"seconds": 3}),
}


async def run(names: list[str], quick: bool) -> list[Table]:
    tables: list[Table] = []
    for name in names:
        module_name, full, short = BENCHMARKS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            tables.append(Table(name, f"python -m {module_name}", notes=[f"not run: {error}"]))
            continue
        bench: Callable[..., Awaitable[list[Table]]] = module.run
        settled = await settle()
        started = time.monotonic()
        print(f"running {name} …", flush=True)
        for table in await bench(**(short if quick else full)):
            table.notes.append(
                f"benchmark took {time.monotonic() - started:.0f} s, after {settled:.0f} s "
                "of settling (a CHECKPOINT, then the machine at least 85% idle)"
            )
            table.print()
            tables.append(table)
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="all, or benchmark names")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    names = list(BENCHMARKS) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
    tables = asyncio.run(run(names, args.quick))
    if args.names == ["all"]:
        header = [
            "# Benchmark results (issue 13)",
            "",
            f"Written by `python -m bench all{' --quick' if args.quick else ''}` on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {machine()}; "
            f"load at the end: {load()}. Each figure is beside its baseline from the same run.",
            "",
        ]
        RESULTS.write_text("\n".join(header + [t.markdown() for t in tables]))
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
