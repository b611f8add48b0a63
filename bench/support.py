"""What the benchmarks share: a private PostgreSQL database, servers, raw subscribers, results.

Every benchmark returns `Table`s: one row per figure, each beside the baseline measured in the
same run, and the machine and its load. `python -m bench all` collects them in RESULTS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import uvloop
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

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


def _process_stat(pid: int) -> tuple[int, float] | None:
    """A process's start time (in clock ticks since boot) and the CPU seconds it used so far
    (user + system), from /proc/PID/stat; None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()  # from field 3 (state) on: utime is field 14
    return int(fields[19]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(server: ServerProcess) -> float:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(processes: list[ServerProcess]) -> float:
    """CPU time the server processes used so far (user + system, from /proc)."""
    total = 0.0
    for server in processes:
        assert server.process is not None
        stat = _process_stat(server.process.pid)
        assert stat is not None, f"server process {server.process.pid} is gone"
        total += stat[1]
    return total


@dataclass(frozen=True)
class MachineCpu:
    """One reading of the whole machine's CPU time: the aggregate "cpu" line of /proc/stat, in
    clock ticks summed over every core, whoever used them (this bench, the servers, PostgreSQL
    and anything else running on the machine)."""

    busy: int
    total: int

    @classmethod
    def read(cls) -> MachineCpu:
        line = Path("/proc/stat").read_text().splitlines()[0]
        assert line.startswith("cpu "), line
        # user nice system idle iowait irq softirq steal; guest and guest_nice (fields 9 and 10)
        # are already counted in user and nice, so adding them would count that time twice.
        ticks = [int(value) for value in line.split()[1:9]]
        total = sum(ticks)
        return cls(busy=total - ticks[3] - ticks[4], total=total)

    def busy_percent_since(self, earlier: MachineCpu) -> float:
        """How busy the machine was between `earlier` and this reading, in % of all its cores
        (100 = every core busy the whole time)."""
        total = self.total - earlier.total
        return 100 * (self.busy - earlier.busy) / total if total > 0 else float("nan")


async def settle(most: float = 30, idle_percent: float = 85) -> float:
    """Let the machine settle before a benchmark: a CHECKPOINT, so the previous benchmark's
    writes (50,000 tasks, say) are flushed now and not during the next one's measurement,
    then wait until the whole machine is at least `idle_percent` idle over a second (at most
    `most` seconds). The seconds waited."""
    started = time.monotonic()
    with contextlib.suppress(OSError, TimeoutError, asyncpg.PostgresError):
        admin = await asyncpg.connect(f"{POSTGRES}/test", timeout=5)
        try:
            await admin.execute("CHECKPOINT")
        finally:
            await admin.close()
    while time.monotonic() - started < most:
        before = MachineCpu.read()
        await asyncio.sleep(1)
        if 100 - MachineCpu.read().busy_percent_since(before) >= idle_percent:
            break
    return time.monotonic() - started


class BackendCpu:
    """CPU seconds used by the PostgreSQL backends of one database (only that one), read from
    /proc: the benches' PostgreSQL runs on the same machine.

    Backends are listed with pg_stat_activity (this reader's own backend left out) and told
    apart by pid and start time. A backend alive at both readings counts the difference, one
    started in between counts in full; one that ended in between is lost, so `ended` counts
    them (0 for a round whose connections live the whole round: the servers' pools, the raw
    baseline's connections). PostgreSQL's shared processes (WAL writer, checkpointer, ...)
    belong to no database and are not counted.
    """

    def __init__(self, conn: asyncpg.Connection, database: str) -> None:
        self.conn = conn
        self.database = database
        self.ended = 0
        self._start: dict[tuple[int, int], float] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def of(cls, url: str) -> AsyncIterator[BackendCpu]:
        """A reader for the database `url` names, on its own connection (closed afterwards)."""
        conn = await asyncpg.connect(url)
        try:
            yield cls(conn, url.rsplit("/", 1)[1].split("?", 1)[0])
        finally:
            await conn.close()

    async def _read(self) -> dict[tuple[int, int], float]:
        pids = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.database,
        )
        backends: dict[tuple[int, int], float] = {}
        for row in pids:
            stat = _process_stat(row["pid"])
            if stat is not None:  # None: it ended after the query
                backends[(row["pid"], stat[0])] = stat[1]
        if pids and not backends:
            raise RuntimeError("PostgreSQL's backends are not on this machine (no /proc entry)")
        return backends

    async def start(self) -> None:
        self.ended = 0
        self._start = await self._read()

    async def seconds(self) -> float:
        """CPU seconds the database's backends used since `start`."""
        now = await self._read()
        self.ended = len(self._start.keys() - now.keys())
        return sum(cpu - self._start.get(backend, 0.0) for backend, cpu in now.items())


@dataclass
class RoundCpu:
    """Where the CPU went during one round: the whole machine in % of all its cores, the rest in
    % of one core (100 = one core busy the whole round)."""

    machine: float
    servers: list[float]
    postgres: float | None  # the bench database's backends; None without PostgreSQL
    postgres_ended: int  # backends that ended during the round: `postgres` is then a floor
    client: float  # this bench process (the load generator; SQLite's threads in a raw round)

    @property
    def other(self) -> float:
        """The machine's busy time nobody above accounts for (PostgreSQL's shared processes,
        the kernel's share not charged to a process, other work on the machine), % of one
        core."""
        cpus = os.cpu_count() or 1
        return self.machine * cpus - sum(self.servers) - (self.postgres or 0.0) - self.client

    def describe(self, during: str = "") -> str:
        """E.g. "machine busy 96% of 2 cores{during} (server 85% of one core, PostgreSQL
        backends 40%, bench client 50%, other 17%)"."""
        parts = []
        if self.servers:
            each = " + ".join(f"{cpu:.0f}%" for cpu in self.servers)
            several = len(self.servers) > 1
            parts.append(f"{'servers' if several else 'server'} {each} of one core")
        if self.postgres is not None:
            ended = self.postgres_ended
            parts.append(
                f"PostgreSQL backends ≥ {self.postgres:.0f}% ({ended} ended in the round)"
                if ended
                else f"PostgreSQL backends {self.postgres:.0f}%"
            )
        parts.append(f"bench client {self.client:.0f}%")
        parts.append(f"other {self.other:.0f}%")
        return (
            f"machine busy {self.machine:.0f}% of {os.cpu_count()} cores{during}"
            f" ({', '.join(parts)})"
        )


class CpuMeter:
    """Measures one round's `RoundCpu` from `start` to `stop` (see `cpu_meter`)."""

    def __init__(self, processes: list[ServerProcess], backends: BackendCpu | None) -> None:
        self.processes = processes
        self.backends = backends

    async def start(self) -> None:
        if self.backends is not None:
            await self.backends.start()
        self._servers = [cpu_seconds([p]) for p in self.processes]
        self._client = time.process_time()
        self._machine = MachineCpu.read()
        self._started = time.perf_counter()

    async def stop(self) -> RoundCpu:
        seconds = time.perf_counter() - self._started
        machine = MachineCpu.read().busy_percent_since(self._machine)
        client = time.process_time() - self._client
        servers = [cpu_seconds([p]) - b for p, b in zip(self.processes, self._servers, strict=True)]
        postgres = await self.backends.seconds() if self.backends is not None else None
        return RoundCpu(
            machine=machine,
            servers=[100 * cpu / seconds for cpu in servers],
            postgres=None if postgres is None else 100 * postgres / seconds,
            postgres_ended=self.backends.ended if self.backends is not None else 0,
            client=100 * client / seconds,
        )


@contextlib.asynccontextmanager
async def cpu_meter(
    url: str | None = None, processes: list[ServerProcess] | None = None
) -> AsyncIterator[CpuMeter]:
    """A started `CpuMeter`; `await meter.stop()` at the round's end gives its `RoundCpu`.

    `url`: the database whose PostgreSQL backends to count (None or a SQLite URL: none);
    `processes`: the server processes, each counted on its own.
    """
    async with contextlib.AsyncExitStack() as stack:
        backends = None
        if url is not None and url.startswith("postgres"):
            backends = await stack.enter_async_context(BackendCpu.of(url))
        meter = CpuMeter(processes or [], backends)
        await meter.start()
        yield meter


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


class _Wire(asyncio.Protocol):
    """A client WebSocket on websockets' sans-I/O protocol, straight on the asyncio transport:
    each text message goes to `on_text` with the time its bytes arrived.

    websockets' asyncio client cost its process ~50 µs of CPU per message (a reader task,
    futures, an assembler per message); on a small machine the bench's clients then took CPU
    from the server in the very bursts being measured, and their own backlog counted as
    delivery latency. Pings are answered by the protocol itself.
    """

    def __init__(self, url: str, on_text: Callable[[float, bytes], None]) -> None:
        self.conn = ClientProtocol(
            parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None
        )
        loop = asyncio.get_running_loop()
        self.open: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport
        self.conn.send_request(self.conn.connect())
        self._write()

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self.conn.receive_data(data)
        for event in self.conn.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.on_text(received, bytes(event.data))
            elif not self.open.done():  # the handshake's response
                if self.conn.handshake_exc is None:
                    self.open.set_result(None)
                else:
                    self.open.set_exception(self.conn.handshake_exc)
        self._write()

    def eof_received(self) -> None:
        self.conn.receive_eof()
        self._write()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_exception(exc or ConnectionError("closed before the handshake"))
        if not self.lost.done():
            self.lost.set_result(None)

    def send_text(self, text: str) -> None:
        self.conn.send_text(text.encode())
        self._write()

    def _write(self) -> None:
        assert self.transport is not None
        for data in self.conn.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()
        if self.conn.close_expected():
            self.transport.close()


class Subscriber:
    """One WebSocket (graphql-transport-ws), keeping every Event id and its delivery latency.

    The receive path only stamps the time the bytes arrived and keeps the raw message: parsing
    it (JSON, the Event's createdAt) waits until someone asks (`parse`, called by `until`,
    `until_all` and the fleet's results), so a burst of messages is read as fast as the client
    can.
    """

    def __init__(self, ws_url: str, token: str, query: str = SUBSCRIBE) -> None:
        self.ws_url = ws_url
        self.token = token
        self.query = query
        self.frames: list[tuple[float, bytes]] = []  # (receive time, message) not parsed yet
        self.ids: list[int] = []
        self.latencies: list[float] = []
        self.last_id = 0
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait({ready, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if not self.ready.is_set():  # the connection failed: say why instead of hanging
            ready.cancel()
            await self.task
            raise RuntimeError(f"{self.ws_url} closed before the subscription was sent")

    def _received(self, received: float, raw: bytes) -> None:
        self.frames.append((received, raw))
        self._arrived.set()

    async def _run(self) -> None:
        url = urlsplit(self.ws_url)
        transport, wire = await asyncio.get_running_loop().create_connection(
            lambda: _Wire(self.ws_url, self._received), url.hostname or "127.0.0.1", url.port or 80
        )
        try:
            await wire.open
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}
            wire.send_text(json.dumps(init))
            while not self.frames:
                if wire.lost.done():
                    raise ConnectionError("closed before connection_ack")
                self._arrived.clear()
                arrived: asyncio.Future[Any] = asyncio.ensure_future(self._arrived.wait())
                await asyncio.wait([arrived, wire.lost], return_when=asyncio.FIRST_COMPLETED)
                arrived.cancel()
            _, ack = self.frames.pop(0)
            assert json.loads(ack)["type"] == "connection_ack", ack
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": self.query}}
            wire.send_text(json.dumps(subscribe))
            self.ready.set()
            await wire.lost
        finally:
            transport.abort()

    def parse(self) -> list[int]:
        """Parse the messages received since the last call; every Event id so far."""
        frames, self.frames = self.frames, []
        for received, raw in frames:
            message = json.loads(raw)
            if message["type"] != "next":
                continue
            event = message["payload"]["data"]["events"]
            self.ids.append(event["id"])
            self.latencies.append(received - datetime.fromisoformat(event["createdAt"]).timestamp())
            self.last_id = event["id"]
        return self.ids

    def clear(self) -> None:
        self.frames.clear()
        self.ids.clear()
        self.latencies.clear()

    async def until(self, event_id: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            self.parse()
            while self.last_id < event_id:
                self._arrived.clear()
                await self._arrived.wait()
                self.parse()

    async def until_all(self, wanted: set[int], timeout: float) -> None:
        """Wait until every id in `wanted` arrived (in whatever order the server sent them)."""
        async with asyncio.timeout(timeout):
            while not wanted.issubset(self.parse()):
                self._arrived.clear()
                await self._arrived.wait()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


SUBSCRIBERS_PER_PROCESS = 250
MAX_CLIENT_PROCESSES = 8


def client_processes_for(count: int) -> int:
    """Enough client processes that none holds more than ~250 subscribers, at most 8 and at
    most one per core: on a small machine more clients than cores only take CPU from the
    server in the very bursts being measured (2,000 subscribers on 2 cores: p99 640-775 ms
    with 8 client processes, 310-640 ms with 1 or 2)."""
    most = min(MAX_CLIENT_PROCESSES, os.cpu_count() or 1)
    return max(1, min(most, -(-count // SUBSCRIBERS_PER_PROCESS)))


async def _receive(conn: Connection) -> Any:
    """The next object from a Pipe; the loop runs on while there is none (cancellable)."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(conn.fileno())
        os.set_blocking(conn.fileno(), True)  # uvloop's add_reader made it non-blocking
    return conn.recv()


def _client_process(conn: Connection, ws_url: str, token: str, count: int, query: str) -> None:
    """A client process of a `SubscriberFleet`: its own loop (uvloop), `count` subscribers.

    No automatic garbage collection: the messages kept until the round ends are hundreds of
    thousands of objects, and each full collection over them (hundreds of ms) held up reading
    the sockets, counted as delivery latency. The process is short-lived and makes few cycles.
    """
    gc.disable()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the whole process group
        uvloop.run(_serve_subscribers(conn, ws_url, token, count, query))


async def _serve_subscribers(
    conn: Connection, ws_url: str, token: str, count: int, query: str
) -> None:
    """Connect `count` subscribers, answer ("ok", value) or ("error", traceback) to each of
    the parent's commands, and end at "stop" or when the parent is gone."""
    subscribers = [Subscriber(ws_url, token, query) for _ in range(count)]

    async def all_until(coroutines: Iterable[Awaitable[None]], timeout: float) -> bool:
        """Each subscriber's wait in turn, the loop reading the sockets between them: parsing
        a thousand subscribers' messages in one go held up the arrival stamps of the Events
        still coming (the last Events of a round showed half a second of latency that was
        this client's own parsing)."""
        try:
            async with asyncio.timeout(timeout):
                for waiting in coroutines:
                    await waiting
                    await asyncio.sleep(0)
        except TimeoutError:
            return False
        return True

    try:
        try:
            for start in range(0, count, 50):
                await asyncio.gather(*(s.start() for s in subscribers[start : start + 50]))
            conn.send(("ok", count))
            while True:
                try:
                    command, *args = await _receive(conn)
                except EOFError:  # the parent is gone
                    return
                if command == "stop":
                    return
                if command == "until":
                    event_id, timeout = args
                    reply: Any = await all_until(
                        (s.until(event_id, timeout) for s in subscribers), timeout
                    )
                elif command == "until_all":
                    wanted, timeout = set(args[0]), args[1]
                    reply = await all_until(
                        (s.until_all(wanted, timeout) for s in subscribers), timeout
                    )
                elif command == "clear":
                    for s in subscribers:
                        s.clear()
                    reply = None
                elif command == "results":
                    reply = [(s.parse(), s.latencies) for s in subscribers]
                else:
                    raise ValueError(f"unknown command {command!r}")
                conn.send(("ok", reply))
        except Exception:
            with contextlib.suppress(OSError):
                conn.send(("error", traceback.format_exc()))
            raise
    finally:
        await asyncio.gather(*(s.stop() for s in subscribers))


class SubscriberFleet:
    """`count` subscribers (`Subscriber`) spread over client processes, each with its own
    asyncio loop. In one process, the thousands of messages a commit fans out wait for one
    another to be read, and that backlog of the load generator counted as delivery latency;
    real subscribers are separate programs.

    The parent talks to each process over a Pipe: every command goes to all of them and waits
    for all their answers. Use as `async with SubscriberFleet(server, count) as fleet:`; no
    client process outlives the block.
    """

    def __init__(
        self,
        server: ServerProcess,
        count: int,
        processes: int | None = None,
        query: str = SUBSCRIBE,
    ) -> None:
        self.server = server
        self.count = count
        self.processes = max(1, min(count, processes or client_processes_for(count)))
        self.query = query
        self._children: list[tuple[BaseProcess, Connection]] = []

    async def __aenter__(self) -> SubscriberFleet:
        try:
            await self.start()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    async def start(self, timeout: float = 300) -> None:
        """Start the client processes; return once every subscriber has sent its subscribe."""
        context = multiprocessing.get_context("spawn")
        share, extra = divmod(self.count, self.processes)
        for n in range(self.processes):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_client_process,
                args=(theirs, self.server.ws_url, self.server.operator_token, share + (n < extra)),
                kwargs={"query": self.query},
                name=f"bench-subscribers-{n}",
                daemon=True,
            )
            process.start()
            theirs.close()
            self._children.append((process, ours))
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(self._answer(n) for n in range(len(self._children))))

    async def _answer(self, n: int) -> Any:
        process, conn = self._children[n]
        try:
            status, value = await _receive(conn)
        except EOFError:
            process.join(5)
            raise RuntimeError(f"client process {n} ended (exit code {process.exitcode})") from None
        if status == "error":
            raise RuntimeError(f"client process {n} failed:\n{value}")
        return value

    async def _ask(self, *command: Any) -> list[Any]:
        """Send `command` to every client process; their answers, in order."""
        for _, conn in self._children:
            conn.send(command)
        return await asyncio.gather(*(self._answer(n) for n in range(len(self._children))))

    async def until(self, event_id: int, timeout: float) -> None:
        """Wait until every subscriber received Event `event_id` (or a later one)."""
        if not all(await self._ask("until", event_id, timeout)):
            raise TimeoutError(f"Event {event_id} did not reach every subscriber in {timeout} s")

    async def until_all(self, expected: list[int], timeout: float) -> None:
        """Wait until every subscriber received every Event in `expected`."""
        if not all(await self._ask("until_all", expected, timeout)):
            raise TimeoutError(
                f"not every subscriber got the {len(expected)} Events in {timeout} s"
            )

    async def all_live(self, api: Api, timeout: float = 120) -> int:
        """Create marker tasks until one marker's Events reached every subscriber; its last id.
        Then every subscriber forgets what it received so far.

        A subscription registers on the server a little after its subscribe message is sent, so
        one marker may come before some of them: those wait for the next marker.
        """
        async with asyncio.timeout(timeout):
            n = 0
            while True:
                before = await last_event_id(api)
                await create_task(api, -1 - n)
                n += 1
                # The cursor moves when the hub has fanned the marker out, a moment after the
                # commit.
                while (marker := await last_event_id(api)) <= before:
                    await asyncio.sleep(0.01)
                if all(await self._ask("until", marker, 3)):
                    await self._ask("clear")
                    return marker

    async def results(self) -> list[tuple[list[int], list[float]]]:
        """Each subscriber's Event ids (in the order received) and delivery latencies (s)."""
        return [result for answer in await self._ask("results") for result in answer]

    def cpu_seconds(self) -> list[float]:
        """CPU time each client process used so far (user + system, from /proc)."""
        seconds = []
        for process, _ in self._children:
            assert process.pid is not None
            stat = _process_stat(process.pid)
            assert stat is not None, f"client process {process.pid} is gone"
            seconds.append(stat[1])
        return seconds

    def stop(self) -> None:
        """Stop every client process: asked first, then terminated, then killed."""
        for _, conn in self._children:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for process, conn in self._children:
            process.join(15)
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self._children.clear()


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
