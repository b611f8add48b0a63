"""What the benchmarks share: a private PostgreSQL database, servers, raw subscribers, results.

Every benchmark returns `Table`s: one row per figure, each beside the baseline measured in the
same run, and the machine and its load. `python -m bench all` collects them in RESULTS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `tests.support` when run as a script from anywhere

from tests.support.server import ServerProcess  # noqa: E402

__all__ = ["ServerProcess"]

POSTGRES = "postgres://postgres@127.0.0.1:5432"


@dataclass
class Row:
    figure: str
    value: float
    baseline: float
    unit: str
    baseline_label: str
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


@dataclass
class Table:
    title: str
    command: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load: str = ""

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.rows.append(Row(*args, **kwargs))

    def finish(self) -> Table:
        self.load = load()
        return self

    def markdown(self) -> str:
        lines = [
            f"## {self.title}",
            "",
            f"`{self.command}` · machine: {machine()} · load: {self.load}",
            "",
            "| figure | value | baseline | ratio | target |",
            "|---|---:|---:|---:|---|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row.figure} | {row.value:,.1f} {row.unit} | {row.baseline:,.1f} {row.unit} "
                f"({row.baseline_label}) | {row.ratio:.2f} | {row.target} |"
            )
        lines += ["", *(f"- {note}" for note in self.notes), ""]
        return "\n".join(lines)

    def print(self) -> None:
        print(self.markdown())


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A private database on the shared server, dropped afterwards."""
    name = f"mc_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{POSTGRES}/test")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.contextmanager
def servers(url: str, count: int = 1, **env: str) -> Iterator[list[ServerProcess]]:
    """`count` server processes on one database, stopped afterwards."""
    # The benches open hundreds of subscriber connections with the operator's one token; the
    # per-token connection limit (a defence, 20 by default) would refuse them.
    env = {"MC_MAX_CONNECTIONS_PER_TOKEN": "100000", **env}
    started: list[ServerProcess] = []
    with tempfile.TemporaryDirectory() as workdir:
        try:
            for n in range(count):
                (Path(workdir) / f"s{n}").mkdir()
                process = ServerProcess(workdir=Path(workdir) / f"s{n}", database_url=url, env=env)
                started.append(process.start(timeout=180))
            yield started
        finally:
            for process in started:
                process.stop()


def cpu_seconds(processes: list[ServerProcess]) -> float:
    """CPU time the server processes used so far (user + system, from /proc)."""
    ticks = 0
    for server in processes:
        assert server.process is not None
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(server: ServerProcess) -> float:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Api:
    """A lean HTTP GraphQL caller (aiohttp, one keep-alive session), so the client is cheap."""

    def __init__(self, server: ServerProcess, token: str | None = None) -> None:
        self.url = server.graphql_url
        self.headers = {"Authorization": f"Bearer {token or server.operator_token}"}
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Api:
        self.session = aiohttp.ClientSession(
            headers=self.headers, connector=aiohttp.TCPConnector(limit=0)
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.close()

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        assert self.session is not None
        async with self.session.post(
            self.url, json={"query": query, "variables": variables or {}}
        ) as response:
            body = await response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]


CREATE = "mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }"


async def create_task(api: Api, n: int) -> float:
    """Create one task; returns the seconds the call took."""
    started = time.perf_counter()
    await api(CREATE, {"input": {"title": f"Task {n}", "description": "bench", "priority": 3}})
    return time.perf_counter() - started


async def last_event_id(api: Api) -> int:
    """The newest Event the server has fanned out (its health check says)."""
    assert api.session is not None
    async with api.session.get(api.url.removesuffix("/graphql") + "/healthz") as response:
        return int((await response.json())["lastEventId"])


STORED = "query($after: Int!) { events(after: $after, limit: 500) { id } }"


async def delivery_order(api: Api, marker: int, last: int) -> list[int]:
    """The Events after the marker up to `last`, in the order the server delivers them.

    Delivery follows the writers' commit order (the hub's position), not the ids: two
    createTasks in flight may commit in the other order than their ids were drawn.
    """
    order: list[int] = []
    after = marker
    while True:
        page = [event["id"] for event in (await api(STORED, {"after": after}))["events"]]
        for event_id in page:
            order.append(event_id)
            if event_id == last:
                return order
        if not page:
            raise RuntimeError(f"Event {last} is not in the log after {marker}")
        after = page[-1]


def got_all(ids: list[int], expected: list[int]) -> bool:
    """Every expected Event, once, in the server's delivery order (ids after the last one
    expected may follow: the bench stops counting at the cursor it read)."""
    wanted = set(expected)
    return [i for i in ids if i in wanted] == expected


SUBSCRIBE = "subscription { events { id createdAt } }"


class Subscriber:
    """One WebSocket (graphql-transport-ws), keeping every Event id and its delivery latency."""

    def __init__(self, server: ServerProcess, query: str = SUBSCRIBE) -> None:
        self.server = server
        self.query = query
        self.ids: list[int] = []
        self.latencies: list[float] = []
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.last_id = 0
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())
        await self.ready.wait()

    async def _run(self) -> None:
        async with websockets.connect(
            self.server.ws_url, subprotocols=["graphql-transport-ws"], max_queue=None
        ) as ws:
            token = self.server.operator_token
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                )
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.query}})
            )
            self.ready.set()
            async for raw in ws:
                received = time.time()
                message = json.loads(raw)
                if message["type"] != "next":
                    continue
                event = message["payload"]["data"]["events"]
                self.ids.append(event["id"])
                created = datetime.fromisoformat(event["createdAt"]).timestamp()
                self.latencies.append(received - created)
                self.last_id = event["id"]
                self._arrived.set()

    async def until(self, event_id: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.last_id < event_id:
                self._arrived.clear()
                await self._arrived.wait()

    async def until_all(self, wanted: set[int], timeout: float) -> None:
        """Wait until every id in `wanted` arrived (in whatever order the server sent them)."""
        async with asyncio.timeout(timeout):
            while not wanted.issubset(self.ids):
                self._arrived.clear()
                await self._arrived.wait()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def all_live(api: Api, subscribers: list[Subscriber], timeout: float = 120) -> int:
    """Create marker tasks until one marker's Events reached every subscriber; its last id.

    A subscription registers on the server a little after its subscribe message is sent, so
    one marker may come before some of them: those wait for the next marker.
    """
    async with asyncio.timeout(timeout):
        n = 0
        while True:
            before = await last_event_id(api)
            await create_task(api, -1 - n)
            n += 1
            # The cursor moves when the hub has fanned the marker out, a moment after the commit.
            while (marker := await last_event_id(api)) <= before:
                await asyncio.sleep(0.01)
            try:
                await asyncio.gather(*(s.until(marker, 3) for s in subscribers))
            except TimeoutError:
                continue
            for s in subscribers:
                s.ids.clear()
                s.latencies.clear()
            return marker


async def subscribe_many(server: ServerProcess, count: int, batch: int = 50) -> list[Subscriber]:
    subscribers = [Subscriber(server) for _ in range(count)]
    for start in range(0, count, batch):
        await asyncio.gather(*(s.start() for s in subscribers[start : start + batch]))
    return subscribers


async def paced(rate: float, seconds: float, api: Api) -> tuple[list[float], float]:
    """createTask at `rate` per second for `seconds`; latencies and the pace actually held."""
    count = max(1, round(rate * seconds))
    latencies: list[float] = []
    started = time.perf_counter()
    pending: set[asyncio.Task[None]] = set()

    async def one(n: int) -> None:
        latencies.append(await create_task(api, n))

    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(n))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    elapsed = time.perf_counter() - started
    return latencies, count / elapsed
