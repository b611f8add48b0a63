"""Where one claim+submit unit spends its CPU: cProfile of the schema in-process, by package.

    .venv/bin/python -m bench.claim_profile [--units 150] [--database sqlite|postgres]
                                            [--after-commit]

claimNextTask then submitForReview, executed on the real schema (no HTTP: bench.claim_api
measures the whole request) against a fresh SQLite file or a private PostgreSQL database.
First the CPU per unit without the profiler (this process, and SQLite's worker thread with
it), then the profiled time per unit of each package: ours per layer, each library, and the
event loop's wait (`poll`) and SQLite's hand-off (`put_nowait`), which are not work.

With `--after-commit` the hub is started and automation follows it, as runtime.py wires them
in the server: each commit's hub read (store/event_log.py) and the rules run after a SUBMITTED
Event are then counted in the unit too (the work issue 13 found as costly as the unit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.requests import Request

from bench.support import postgres_database
from mission_control.bus import EventHub
from mission_control.bus.base import InMemoryBus
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.resolvers.context import GraphQLContext
from mission_control.schema.schema import build_schema
from mission_control.services.agents import register_agent
from mission_control.services.automation import follow, trigger_filter
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore

CLAIM = "mutation { claimNextTask { outcome task { id } } }"
SUBMIT = 'mutation($id: Int!) { submitForReview(id: $id, result: "done") { id status } }'
WARM_UP = 20


def package_of(filename: str, function: str) -> str:
    """mission_control's layer, a library, a stdlib module or a builtin."""
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/mission_control/" in filename:
        return "mission_control." + filename.split("/mission_control/")[1].split("/")[0]
    if filename.startswith(("~", "<")):
        return f"builtin {function[:40]}"
    return f"stdlib {Path(filename).name}"


def by_package(stats: pstats.Stats) -> dict[str, float]:
    totals: dict[str, float] = {}
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        key = package_of(filename, function)
        totals[key] = totals.get(key, 0.0) + row[2]  # own time, callees excluded
    return totals


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    if kind == "postgres":
        async with postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as workdir:
        yield f"sqlite://{Path(workdir) / 'profile.db'}"


async def drained(hub: EventHub, store: DatabaseEventStore, started: bool) -> None:
    """Let the hub (when started) and its followers finish the work the units' commits
    caused."""
    if not started:
        return
    newest = await store.now()
    while hub.cursor < newest:
        await asyncio.sleep(0.001)
    for _ in range(20):  # the follower's deliveries run a few loop turns behind the cursor
        await asyncio.sleep(0)


async def run(units: int, kind: str, after_commit: bool) -> None:
    async with database(kind) as url:
        settings = Settings(database_url=url)
        await open_database(settings)
        try:
            store = DatabaseEventStore()
            hub = EventHub(store, InMemoryBus())
            ctx = Context(settings, publisher=hub)
            if after_commit:
                await hub.start()
                events = hub.subscribe(None, trigger_filter())
                following = asyncio.create_task(follow(ctx, events), name="automation")
            _, token = await register_agent(ctx, OPERATOR, "profiled")
            for n in range(2 * units + WARM_UP):
                draft = TaskDraft(title=f"T{n}", description="x", priority=n % 5 + 1)
                await create_task(ctx, OPERATOR, draft)
            schema = build_schema(settings)
            headers = [(b"authorization", f"Bearer {token}".encode())]
            request = Request({"type": "http", "headers": headers})

            async def unit() -> None:
                context = GraphQLContext(ctx, hub, request)
                claimed = await schema.execute(CLAIM, context_value=context)
                assert claimed.errors is None and claimed.data is not None, claimed.errors
                task_id = claimed.data["claimNextTask"]["task"]["id"]
                context = GraphQLContext(ctx, hub, request)
                done = await schema.execute(SUBMIT, {"id": task_id}, context_value=context)
                assert done.errors is None, done.errors

            for _ in range(WARM_UP):
                await unit()
            await drained(hub, store, after_commit)
            started = time.process_time()
            for _ in range(units):
                await unit()
            await drained(hub, store, after_commit)
            cpu = (time.process_time() - started) * 1000 / units
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(units):
                await unit()
            await drained(hub, store, after_commit)
            profile.disable()
            if after_commit:
                following.cancel()
                await hub.stop()
        finally:
            await close_database()
    scope = "with the hub and automation" if after_commit else "the requests alone"
    print(f"{kind}: {cpu:.2f} ms CPU per claim+submit unit without the profiler")
    print(f"({units} units, {scope})")
    print("profiled own time per unit, by package:")
    totals = by_package(pstats.Stats(profile))
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1])[:25]:
        print(f"  {seconds * 1000 / units:7.3f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--after-commit", action="store_true", help="start the hub and automation too"
    )
    args = parser.parse_args()
    asyncio.run(run(args.units, args.database, args.after_commit))


if __name__ == "__main__":
    main()
