"""What a subscriber's frames are made of and how they leave: one write per loop turn, in
order, and the shared payload's frame is the JSON strawberry would send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from graphql import ExecutionResult

from mission_control.domain.actors import OPERATOR
from mission_control.schema.execution import DirectFrames, shared_payloads
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.web.graphql_endpoint import GraphQLEndpoint
from mission_control.web.socket_writes import TurnWrites, TurnWritesWebSocketProtocol
from mission_control.web.websocket import message_head, next_frame
from tests.support.inprocess import serving
from tests.support.server import OPERATOR_TOKEN


class CountedTransport(asyncio.Transport):
    """A real socket's transport, with the writes it was asked for kept in a list."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self.inner = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))
        self.inner.write(data)

    def is_closing(self) -> bool:
        return self.inner.is_closing()

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[CountedTransport, asyncio.StreamReader]]:
    """A real TCP connection on loopback: our end's transport, the peer's reader."""
    accepted: asyncio.Queue[asyncio.StreamReader] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await accepted.put(reader)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    transport = writer.transport
    assert isinstance(transport, asyncio.Transport)
    try:
        yield CountedTransport(transport), await accepted.get()
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


async def test_frames_of_one_loop_turn_leave_in_one_write_in_order(
    loopback: tuple[CountedTransport, asyncio.StreamReader],
) -> None:
    transport, peer = loopback
    writes = TurnWrites(transport, asyncio.get_running_loop())

    for frame in (b"first;", b"second;", b"third;"):
        writes.write(frame)
    assert transport.writes == [], "nothing is written during the turn"
    await asyncio.sleep(0)  # the next turn

    assert transport.writes == [b"first;second;third;"]
    assert await peer.readexactly(19) == b"first;second;third;"


async def test_closing_writes_the_pending_frames_first(
    loopback: tuple[CountedTransport, asyncio.StreamReader],
) -> None:
    transport, peer = loopback
    writes = TurnWrites(transport, asyncio.get_running_loop())

    writes.write(b"last words")
    writes.close()
    await asyncio.sleep(0)  # the flush queued by the write finds nothing left to send

    assert transport.writes == [b"last words"]
    assert await peer.read() == b"last words"  # then the end of the stream


def test_a_shared_payloads_frame_is_the_json_strawberry_would_send() -> None:
    data = {"events": {"id": -7, "kind": "CREATED", "payload": {"title": 'a "quoted" — title'}}}
    shared_payloads.put(("a question of this test", -7), ExecutionResult(data=data))
    assert shared_payloads.text_of(data) is not None, "the frame below reuses its text"
    message = {"id": 'op "1"', "type": "next", "payload": {"data": data}}

    endpoint = GraphQLEndpoint.__new__(GraphQLEndpoint)  # encode_json reads no state
    frame = endpoint.encode_json(message)

    assert isinstance(frame, str)
    assert json.loads(frame) == json.loads(json.dumps(message))  # strawberry's encoding


async def test_every_subscriber_gets_every_event_in_order_through_the_turn_writes(
    tmp_path: Path,
) -> None:
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        received: list[list[Any]] = [[], [], []]
        subscribed = asyncio.Event()
        count = 0

        async def subscriber(index: int, tasks: int) -> None:
            nonlocal count
            async with websockets.connect(
                server.ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
            ) as ws:
                init = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": SINCE, "variables": {"since": since}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                count += 1
                if count == len(received):
                    subscribed.set()
                while len(received[index]) < 2 * tasks:  # CREATED, then its triage
                    message = json.loads(await ws.recv())
                    assert message["type"] == "next" and message["id"] == "1"
                    received[index].append(message["payload"]["data"]["events"]["id"])

        tasks = 20
        since = server.runtime.hub.cursor.id  # every Event after it, whenever each registers
        listening = asyncio.gather(*(subscriber(i, tasks) for i in range(len(received))))
        await subscribed.wait()
        for n in range(tasks):
            draft = TaskDraft(title=f"task {n}", description="complete: it triages", priority=2)
            await create_task(server.runtime.ctx, OPERATOR, draft)
        await asyncio.wait_for(listening, 30)

    assert received[0] == sorted(set(received[0])) and len(received[0]) == 2 * tasks
    assert received[1] == received[0] and received[2] == received[0]


async def test_an_error_in_a_subscription_stream_carries_its_code(tmp_path: Path) -> None:
    async with (
        serving(f"sqlite://{tmp_path / 'mc.db'}") as server,
        websockets.connect(
            server.ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws,
    ):
        init = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # The agent's name is checked when the stream starts, inside the subscription.
        query = 'subscription { agentActivity(agent: "not a name!") { agent } }'
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))

    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "VALIDATION"


SINCE = "subscription($since: Int) { events(since: $since) { id kind } }"


class PrebuiltSpy:
    """The server's protocols, and how many frames each wrote ready-made (a real count of the
    real method's answers, which still does the writing)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.protocols: list[TurnWritesWebSocketProtocol] = []
        self.written = 0
        connect = TurnWritesWebSocketProtocol.handle_connect
        write = TurnWritesWebSocketProtocol.write_prebuilt

        def handle_connect(protocol: TurnWritesWebSocketProtocol, event: Any) -> None:
            self.protocols.append(protocol)
            connect(protocol, event)

        def write_prebuilt(protocol: TurnWritesWebSocketProtocol, frame: bytes) -> bool:
            wrote = write(protocol, frame)
            self.written += wrote
            return wrote

        monkeypatch.setattr(TurnWritesWebSocketProtocol, "handle_connect", handle_connect)
        monkeypatch.setattr(TurnWritesWebSocketProtocol, "write_prebuilt", write_prebuilt)


async def _subscribed(url: str, operation_id: str, since: int) -> Any:
    """A graphql-transport-ws connection subscribed to the Events after `since`: a replay then
    live ones, so none is missed however late the subscription registers."""
    ws = await websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    )
    init = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": SINCE, "variables": {"since": since}}
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
    return ws


async def _create(server: Any, tasks: int) -> None:
    for n in range(tasks):
        draft = TaskDraft(title=f"task {n}", description="complete: it triages", priority=2)
        await create_task(server.runtime.ctx, OPERATOR, draft)


async def _next_ids(ws: Any, count: int, operation_id: str) -> list[int]:
    ids: list[int] = []
    for _ in range(count):
        try:
            raw = await asyncio.wait_for(ws.recv(), 10)
        except TimeoutError:
            raise AssertionError(f"{operation_id}: only {ids} of {count}") from None
        message = json.loads(raw)
        assert message["type"] == "next" and message["id"] == operation_id, message
        assert set(message["payload"]) == {"data"}
        ids.append(message["payload"]["data"]["events"]["id"])
    return ids


async def test_a_shared_payload_leaves_as_one_ready_made_frame_whatever_the_operation_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PrebuiltSpy(monkeypatch)
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        operations = ("1", "1", "watch-7")  # two connections with the same id, one other
        since = server.runtime.hub.cursor.id
        sockets = [await _subscribed(server.ws_url, op, since) for op in operations]
        tasks = 5
        await _create(server, tasks)
        received = [
            await _next_ids(ws, 2 * tasks, op) for ws, op in zip(sockets, operations, strict=True)
        ]
        for ws in sockets:
            await ws.close()

    assert received[0] == received[1] == received[2] and len(set(received[0])) == 2 * tasks
    assert spy.written == 3 * 2 * tasks, "every delivery was one ready-made frame"


async def test_a_connection_whose_writes_are_paused_gets_its_frames_the_ordinary_way_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PrebuiltSpy(monkeypatch)
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        ws = await _subscribed(server.ws_url, "1", server.runtime.hub.cursor.id)
        (protocol,) = spy.protocols
        protocol.pause_writing()  # what the transport says when the client reads too slowly
        await _create(server, 3)
        await asyncio.sleep(0.2)
        assert spy.written == 0, "nothing ready-made while the writes are paused"
        protocol.resume_writing()
        await _create(server, 2)
        ids = await _next_ids(ws, 2 * 5, "1")
        await ws.close()

    assert ids == sorted(ids) and len(set(ids)) == 10, "all of them, once, in order"
    assert spy.written >= 4, "the later ones went ready-made again"


async def test_two_databases_in_one_process_never_share_a_payload(tmp_path: Path) -> None:
    """Event ids start at 1 in every database: a payload shared under one hub's Event 1 must
    not be what another hub's subscribers get for theirs."""
    query = "subscription { events(since: 0) { id payload } }"
    seen = []
    for title in ("alpha", "beta"):
        async with serving(f"sqlite://{tmp_path / title}.db") as server:
            ws = await websockets.connect(
                server.ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
            )
            init = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            await create_task(server.runtime.ctx, OPERATOR, TaskDraft(title=title))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                event = message["payload"]["data"]["events"]
                if "title" in event["payload"]:
                    seen.append((event["id"], event["payload"]["title"]))
                    break
            await ws.close()

    assert seen[0][0] == seen[1][0], "the same Event id in both databases"
    assert [title for _, title in seen] == ["alpha", "beta"]


class DirectSpy:
    """How many Events the hub delivered itself (the real method's answers, counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.delivered = 0
        deliver = DirectFrames.deliver

        def counted(direct: DirectFrames, event: Any) -> bool:
            done = deliver(direct, event)
            self.delivered += done
            return done

        monkeypatch.setattr(DirectFrames, "deliver", counted)


async def test_once_a_subscription_is_live_the_hub_delivers_its_events_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = DirectSpy(monkeypatch)
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        since = server.runtime.hub.cursor.id
        sockets = [await _subscribed(server.ws_url, "1", since) for _ in range(3)]
        await _create(server, 1)  # the first Event of each goes the ordinary way
        first = [await _next_ids(ws, 2, "1") for ws in sockets]
        await _create(server, 10)
        later = [await _next_ids(ws, 20, "1") for ws in sockets]
        for ws in sockets:
            await ws.close()

    ids = first[0] + later[0]
    assert ids == sorted(ids) and len(set(ids)) == 22
    assert all(f + rest == ids for f, rest in zip(first, later, strict=True))
    assert direct.delivered == 3 * 20, "every later Event went straight from the hub"


async def test_an_operation_the_client_completed_gets_no_more_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = DirectSpy(monkeypatch)
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        ws = await _subscribed(server.ws_url, "1", server.runtime.hub.cursor.id)
        await _create(server, 1)  # the ordinary way: the subscription learns its question
        await _next_ids(ws, 2, "1")
        await _create(server, 2)
        await _next_ids(ws, 4, "1")
        assert direct.delivered == 4, "the operation was being delivered directly"
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await asyncio.sleep(0.1)
        since = server.runtime.hub.cursor.id
        payload = {"query": SINCE, "variables": {"since": since}}
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": payload}))
        await _create(server, 3)
        # Only operation 2's frames come: a "next" for 1 would fail _next_ids' check.
        ids = await _next_ids(ws, 6, "2")
        await ws.close()

    assert ids == sorted(ids) and len(set(ids)) == 6


def test_nothing_is_kept_per_operation_id_with_a_shared_payload() -> None:
    """graphql-ws clients give each subscription its own id: the bytes kept with a payload
    must not grow with the subscribers, and each frame still carries its own id."""
    data = {"events": {"id": 987654, "kind": "CREATED"}}
    shared_payloads.put(("test", "kept per id", 987654), ExecutionResult(data=data))
    for n in range(100):
        frame = next_frame(message_head(f"op-{n}"), data)
        assert frame is not None
        message = json.loads(frame[2:])  # a two-byte header: unmasked, under 126 bytes
        assert message == {"id": f"op-{n}", "type": "next", "payload": {"data": data}}

    assert shared_payloads.kept_with(data) == 1
