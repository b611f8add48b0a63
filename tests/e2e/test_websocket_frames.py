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
from mission_control.schema.execution import shared_payloads
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.web.graphql_endpoint import GraphQLEndpoint
from mission_control.web.socket_writes import TurnWrites
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
                query = "subscription { events { id kind } }"
                await ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}})
                )
                count += 1
                if count == len(received):
                    subscribed.set()
                while len(received[index]) < 2 * tasks:  # CREATED, then its triage
                    message = json.loads(await ws.recv())
                    assert message["type"] == "next" and message["id"] == "1"
                    received[index].append(message["payload"]["data"]["events"]["id"])

        tasks = 20
        listening = asyncio.gather(*(subscriber(i, tasks) for i in range(len(received))))
        await subscribed.wait()
        while server.runtime.hub.subscriber_count < len(received) + 1:  # + the automation
            await asyncio.sleep(0.01)
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
