"""Fan-out: every Event to every subscriber, delivery latency, while createTask keeps its pace.

    .venv/bin/python -m bench.fanout [--seconds 15] [--sizes 1,100,500,2000]
                                     [--client-processes K]

S subscribers (one WebSocket each, graphql-transport-ws, `events { id createdAt }`) on one
server over a private PostgreSQL database; createTask at 10/s (2/s for 2,000 subscribers).
Delivery latency is receive time minus the Event's createdAt. The subscribers are spread over
client processes (--client-processes; by default ≤ 250 subscribers each, at most 8), so that
the load generator's own parsing backlog is not counted as delivery latency: real subscribers
are separate programs. The baseline is the same run with one subscriber. The issue asks for
60 s a size; the default is 15 s so the whole benchmark fits in a few minutes (--seconds 60 for
the full length).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.support import (
    Api,
    SubscriberFleet,
    Table,
    cpu_seconds,
    delivery_order,
    got_all,
    last_event_id,
    paced,
    percentile,
    postgres_database,
    servers,
)


async def one_size(
    server_api: Api,
    server,
    size: int,
    rate: float,
    seconds: float,
    client_processes: int | None = None,
) -> dict:
    async with SubscriberFleet(server, size, client_processes) as fleet:
        marker = await fleet.all_live(server_api)
        started = time.perf_counter()
        cpu_before = cpu_seconds([server])
        clients_before = fleet.cpu_seconds()
        writes, pace = await paced(rate, seconds, server_api)
        last = await last_event_id(server_api)
        expected = await delivery_order(server_api, marker, last)
        await fleet.until_all(expected, 120)
        cpu = cpu_seconds([server]) - cpu_before
        clients = [b - a for a, b in zip(clients_before, fleet.cpu_seconds(), strict=True)]
        elapsed = time.perf_counter() - started
        results = await fleet.results()
    missing = sum(1 for ids, _ in results if not got_all(ids, expected))
    latencies = [x for _, delays in results for x in delays]
    deliveries = max(1, len(expected) * size)
    return {
        "events": len(expected),
        "incomplete": missing,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "pace": pace,
        "write_p99": percentile(writes, 0.99) * 1000,
        "write_p50": percentile(writes, 0.5) * 1000,
        "cpu_per_delivery_us": cpu * 1e6 / deliveries,
        "client_processes": fleet.processes,
        "client_cpu_per_delivery_us": sum(clients) * 1e6 / deliveries,
        "client_busiest_percent": 100 * max(clients) / elapsed,
    }


async def run(
    seconds: float = 15,
    sizes: tuple[int, ...] = (1, 100, 500, 2000),
    client_processes: int | None = None,
) -> list[Table]:
    table = Table(
        "Fan-out: delivery to S subscribers",
        f"python -m bench.fanout --seconds {seconds:g}"
        + (f" --client-processes {client_processes}" if client_processes else ""),
    )
    async with postgres_database() as url:
        with servers(url) as (server,):
            async with Api(server) as api:
                results = {}
                for size in sizes:
                    rate = 2.0 if size >= 2000 else 10.0
                    results[size] = (
                        rate,
                        await one_size(api, server, size, rate, seconds, client_processes),
                    )
    base = results[sizes[0]][1]
    for size, (rate, r) in results.items():
        target = {500: "≤ 50 ms", 2000: "≤ 250 ms"}.get(size, "")
        table.add(
            f"S={size} at {rate:g}/s: delivery p99",
            r["p99"],
            base["p99"],
            "ms",
            f"S={sizes[0]}",
            target,
        )
        table.add(
            f"S={size} at {rate:g}/s: delivery p50", r["p50"], base["p50"], "ms", f"S={sizes[0]}"
        )
        table.add(f"S={size}: createTask pace held", r["pace"], rate, "/s", "asked")
        table.notes.append(
            f"S={size}: {r['events']} Events, {size - r['incomplete']}/{size} subscribers got "
            f"every one in order; createTask p99 {r['write_p99']:.0f} ms; server CPU "
            f"{r['cpu_per_delivery_us']:.0f} µs per delivered Event (writes included); "
            f"subscribers in {r['client_processes']} client process"
            f"{'es' if r['client_processes'] > 1 else ''}, their CPU "
            f"{r['client_cpu_per_delivery_us']:.0f} µs per delivered message (the busiest "
            f"{r['client_busiest_percent']:.0f}% of one core over the round)"
        )
    table.notes.append(
        f"{seconds:g} s per size (the issue's 60 s scaled down to fit the run in minutes)"
    )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--sizes", default="1,100,500,2000")
    parser.add_argument(
        "--client-processes",
        type=int,
        help="processes the subscribers are spread over (default: ≤ 250 each, at most 8)",
    )
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    for table in asyncio.run(run(args.seconds, sizes, args.client_processes)):
        table.print()


if __name__ == "__main__":
    main()
