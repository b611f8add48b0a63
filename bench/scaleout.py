"""Scale-out: the same claim+submit workload on 1, 2 and 4 server processes (PostgreSQL).

    .venv/bin/python -m bench.scaleout [--tasks 4000] [--agents 20]

The processes share one private PostgreSQL database; the agents (one HTTP connection each)
are spread over them round-robin. The baseline is one process in the same run. On a 2-core
machine shared with the database and the client, more than two processes cannot add CPU:
the 4-process figure mostly shows that they do not get in each other's way. The notes say,
for each round, how busy the whole machine was and how much of one core each of the four
server processes (those without agents still hear every Event), the database's PostgreSQL
backends and this bench used.
"""

from __future__ import annotations

import argparse
import asyncio

from bench.claim_api import api_round
from bench.support import Table, postgres_database, servers


async def run(tasks: int = 4000, agents: int = 20) -> list[Table]:
    table = Table(
        "Scale-out: 1 vs 2 vs 4 processes",
        f"python -m bench.scaleout --tasks {tasks} --agents {agents}",
    )
    async with postgres_database() as url:
        with servers(url, 4, MC_SWEEP_INTERVAL_SECONDS="15") as processes:
            results = {
                n: await api_round(processes[:n], url, tasks, agents, f"p{n}", running=processes)
                for n in (1, 2, 4)
            }
    for n, result in results.items():
        table.add(
            f"{n} process(es): claim+submit units/s",
            result["rate"],
            results[1]["rate"],
            "/s",
            "1 process",
            "≥ 1.6× at 2" if n == 2 else "",
        )
        table.notes.append(f"{n} process(es): {result['double']:.0f} double claims")
        table.notes.append(
            f"{n} process(es): {result['cpu'].describe()}; all four processes run, the first "
            f"{n} serve the agents"
        )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    for table in asyncio.run(run(args.tasks, args.agents)):
        table.print()


if __name__ == "__main__":
    main()
