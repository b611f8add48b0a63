"""uvicorn's WebSocket protocol with one socket write per connection per loop turn.

A fan-out hands each subscriber the Events of one commit together (a created task is two:
CREATED and its triage), and each becomes a frame that uvicorn writes at once: one system
call per frame, on loopback the largest single cost of a delivery. Here the frames a
connection sends during one loop turn are joined and written at the start of the next, in
the order they were sent; closing or aborting writes what is pending first.

A frame of a payload that many subscribers share is made from bytes made once per payload
and written as it is (`PREBUILT`, used by web/websocket.py): no ASGI message and no JSON per
subscriber.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

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


# The ASGI scope extension through which the app finds `write_prebuilt` of its connection.
PREBUILT = "mission_control.prebuilt_frames"


_FIN_TEXT = 0x81  # FIN, opcode 1 (text); no RSV bit: no extension is negotiated


def text_frame(text: bytes) -> bytes:
    """A whole unmasked text frame of UTF-8 `text`, as a server sends it with no extension
    negotiated (RFC 6455 5.2; the same bytes as websockets' `Frame.serialize`, made in a
    fraction of its time: one is made per subscriber and Event)."""
    size = len(text)
    if size < 126:
        return bytes((_FIN_TEXT, size)) + text
    if size < 1 << 16:
        return struct.pack("!BBH", _FIN_TEXT, 126, size) + text
    return struct.pack("!BBQ", _FIN_TEXT, 127, size) + text


class TurnWritesWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default WebSocket protocol (websockets' sans-I/O), writing once per turn, and
    taking ready-made frames from the app (scope extension `PREBUILT`)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = TurnWrites(self.transport, self.loop)  # type: ignore[assignment]

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # The app's task is scheduled, not started: it sees the extension from its first step.
        self.scope["extensions"][PREBUILT] = {"write": self.write_prebuilt}

    def write_prebuilt(self, frame: bytes) -> bool:
        """Write a frame made by `text_frame` as `send` would write the same text; False
        when it can't be written so now (not open, closing, the client reads too slowly,
        an extension negotiated): the caller then sends the text the ordinary way, which
        waits or fails as it should. A frame written here keeps its place among the others:
        both go through the connection's `TurnWrites` in call order."""
        if (
            self.disconnected
            or self.close_sent
            or not self.handshake_complete
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.conn.extensions
        ):
            return False
        self.transport.write(frame)
        return True


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
