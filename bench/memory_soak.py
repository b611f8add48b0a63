"""Soak: server memory while 100 subscribers receive 100,000 messages.

    .venv/bin/python -m bench.memory_soak [--subscribers 100] [--messages 100000]
                                          [--client-processes K]

One server on a private PostgreSQL database; createTask from 4 writers until the subscribers
have been delivered `messages` Events in all. The baseline is the server's RSS once the first
tenth was delivered (the issue asks: RSS at the end ≤ that + 10%). The subscribers are spread
over client processes as in bench.fanout.
"""

from __future__ import annotations

import argparse
import asyncio

from bench.support import (
    Api,
    SubscriberFleet,
    Table,
    create_task,
    delivery_order,
    got_all,
    last_event_id,
    postgres_database,
    rss_mb,
    servers,
)


async def run(
    subscribers: int = 100, messages: int = 100_000, client_processes: int | None = None
) -> list[Table]:
    table = Table(
        "Soak memory",
        f"python -m bench.memory_soak --subscribers {subscribers} --messages {messages}"
        + (f" --client-processes {client_processes}" if client_processes else ""),
    )
    events_needed = messages // subscribers
    async with postgres_database() as url:
        with servers(url) as (server,):
            async with (
                Api(server) as api,
                SubscriberFleet(server, subscribers, client_processes) as watchers,
            ):
                start = await watchers.all_live(api)
                rss: dict[int, float] = {}
                made = 0
                for checkpoint in (events_needed // 10, events_needed // 2, events_needed):
                    while await last_event_id(api) < start + checkpoint:
                        await asyncio.gather(*(create_task(api, made + w) for w in range(4)))
                        made += 4
                    await watchers.until(start + checkpoint, 300)
                    rss[checkpoint] = rss_mb(server)
                last = await last_event_id(api)
                # Delivery follows the writers' commit order, not the ids (bench.fanout).
                expected = await delivery_order(api, start, last)
                await watchers.until_all(expected, 300)
                results = await watchers.results()
    complete = sum(1 for ids, _ in results if got_all(ids, expected))
    delivered = sum(len(ids) for ids, _ in results)
    first, middle, end = (rss[c] for c in sorted(rss))
    table.add(
        f"server RSS after {delivered:,} delivered",
        end,
        first,
        "MB",
        f"after the first {subscribers * (events_needed // 10):,}",
        "≤ 1.10",
    )
    table.add("server RSS half-way", middle, first, "MB", "after the first tenth")
    table.notes.append(
        f"{made} createTask, {len(expected)} Events; {complete}/{subscribers} subscribers got "
        f"every one in order; the subscribers in {watchers.processes} client process"
        f"{'es' if watchers.processes > 1 else ''}"
    )
    return [table.finish()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--client-processes",
        type=int,
        help="processes the subscribers are spread over (default: ≤ 250 each, at most 8)",
    )
    args = parser.parse_args()
    for table in asyncio.run(run(args.subscribers, args.messages, args.client_processes)):
        table.print()


if __name__ == "__main__":
    main()
