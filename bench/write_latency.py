"""createTask latency with 500 subscribers watching, against none, at 10 createTask/s.

    .venv/bin/python -m bench.write_latency [--seconds 30] [--subscribers 500]
                                            [--client-processes K]

One server on a private PostgreSQL database. The baseline is the same paced writes with no
subscriber, in the same run. Every Event is also checked at every subscriber. The subscribers
are spread over client processes as in bench.fanout. 30 s a phase by default: the p99 of 300
writes is their 3rd-worst, of 150 (15 s) their 2nd-worst, which moved by 1.5× between runs.
"""

from __future__ import annotations

import argparse
import asyncio

from bench.fanout import one_size
from bench.support import Api, Table, paced, percentile, postgres_database, servers


async def run(
    seconds: float = 30, subscribers: int = 500, client_processes: int | None = None
) -> list[Table]:
    table = Table(
        "Write latency under watchers",
        f"python -m bench.write_latency --seconds {seconds:g} --subscribers {subscribers}"
        + (f" --client-processes {client_processes}" if client_processes else ""),
    )
    async with postgres_database() as url:
        with servers(url) as (server,):
            async with Api(server) as api:
                await paced(10, 1, api)  # warm up
                quiet, quiet_pace = await paced(10, seconds, api)
                watched = await one_size(api, server, subscribers, 10, seconds, client_processes)
    for label, fraction in (("p99", 0.99), ("p50", 0.5)):
        table.add(
            f"createTask {label} with {subscribers} subscribers",
            watched[f"write_{label}"],
            percentile(quiet, fraction) * 1000,
            "ms",
            "no subscriber",
            "≤ 2× (p99)" if label == "p99" else "",
        )
    table.add(
        "createTask pace held with subscribers", watched["pace"], quiet_pace, "/s", "no subscriber"
    )
    table.notes.append(
        f"{watched['events']} Events; {subscribers - watched['incomplete']}/{subscribers} "
        f"subscribers got every one; {seconds:g} s each at 10/s; the subscribers in "
        f"{watched['client_processes']} client process"
        f"{'es' if watched['client_processes'] > 1 else ''}, their CPU "
        f"{watched['client_cpu_per_delivery_us']:.0f} µs per delivered message"
    )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument(
        "--client-processes",
        type=int,
        help="processes the subscribers are spread over (default: ≤ 250 each, at most 8)",
    )
    args = parser.parse_args()
    for table in asyncio.run(run(args.seconds, args.subscribers, args.client_processes)):
        table.print()


if __name__ == "__main__":
    main()
