"""uvicorn's WebSocket protocol with one socket write per connection per loop turn.

A fan-out hands each subscriber the Events of one commit together (a created task is two:
CREATED and its triage), and each becomes a frame that uvicorn writes at once: one system
call per frame, on loopback the largest single cost of a delivery. Here the frames a
connection sends during one loop turn are joined and written at the start of the next, in
the order they were sent; closing or aborting writes what is pending first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from mission_control.settings import Settings


class TurnWrites:
    """A transport's writes of one loop turn, written as one at the start of the next."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.loop = loop
        self.pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(data)

    def flush(self) -> None:
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self.pending.clear()
        self.transport.abort()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size() + sum(map(len, self.pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)  # reading, flow control, extra info: as is


class TurnWritesWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default WebSocket protocol (websockets' sans-I/O), writing once per turn."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = TurnWrites(self.transport, self.loop)  # type: ignore[assignment]


def websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options for every server that serves /graphql.

    No permessage-deflate: each frame would be compressed once per subscriber, each
    connection would keep its own zlib state, and compressing a client's input beside
    secrets in one stream is the CRIME pattern (docs/architecture.md, "Fan-out").
    """
    return {
        "ws": TurnWritesWebSocketProtocol,
        "ws_per_message_deflate": False,
        "ws_max_size": settings.max_body_bytes,  # messages capped like HTTP bodies
    }
