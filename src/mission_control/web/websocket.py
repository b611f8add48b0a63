"""The WebSocket edge of /graphql, hardened for both protocols (graphql-transport-ws and the
legacy graphql-ws):

- a connection that sends no `connection_init` in time is closed (4408), on both protocols;
- a refused init closes with a code that says why: 4400 bad payload, 4401 no or bad token
  (or revoked later), 4403 not allowed, 4429 too many connections for one token;
- at most `MC_MAX_SUBSCRIPTIONS_PER_CONNECTION` operations per connection and
  `MC_MAX_CONNECTIONS_PER_TOKEN` open connections per token in this process;
- when the token is revoked (Event TOKEN_REVOKED, seen by every process) the connection closes
  with 4401, ending its subscriptions.

Messages larger than MC_MAX_BODY_BYTES are refused by the server (uvicorn's ws_max_size,
close code 1009), the same cap as HTTP bodies.

A subscription's result that is shared (schema/execution.py: one execution per question and
Event) goes out as one ready-made frame per operation id, written straight to the connection
(web/socket_writes.py: `PREBUILT`); anything else (errors, a closing or slow connection, a
server without the extension) is sent by strawberry as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocketState
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types import ExecutionResult

from mission_control.bus.hub import direct_delivery
from mission_control.domain.actors import Actor
from mission_control.domain.errors import ErrorCode, MissionControlError
from mission_control.domain.events import EventFilter, EventKind
from mission_control.schema.execution import DirectFrames, shared_payloads
from mission_control.web.socket_writes import PREBUILT, text_frame

if TYPE_CHECKING:
    from mission_control.bus import EventHub
    from mission_control.resolvers.context import GraphQLContext

log = logging.getLogger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INIT_TIMEOUT = 4408
CLOSE_TOO_MANY = 4429
_CLOSE_FOR = {
    ErrorCode.UNAUTHENTICATED: CLOSE_UNAUTHORIZED,
    ErrorCode.FORBIDDEN: CLOSE_FORBIDDEN,
    ErrorCode.VALIDATION: CLOSE_BAD_REQUEST,
}
REVOKED = frozenset({EventKind.TOKEN_REVOKED})


def message_text(operation_id: str, kind: str, data_text: str) -> str:
    """A `next` (or legacy `data`) message around a payload's JSON text, as strawberry's own
    encoding spells it."""
    return f'{{"id":{json.dumps(operation_id)},"type":"{kind}","payload":{{"data":{data_text}}}}}'


# Under which a shared payload keeps the tail of its `next` message.
_NEXT_TAIL = "next-message-tail"


def _next_tail(data_text: str) -> bytes:
    """All of a `next` message after its id: the same bytes for every subscriber."""
    return f',"type":"next","payload":{{"data":{data_text}}}}}'.encode()


def message_head(operation_id: str) -> bytes:
    """The start of an operation's messages, `{"id":…`."""
    return f'{{"id":{json.dumps(operation_id)}'.encode()


def next_frame(head: bytes, data: object) -> bytes | None:
    """The whole frame of a `next` message carrying a shared payload (None if `data` is not
    one). The tail is made once per payload, not once per operation id: clients such as
    graphql-ws give each subscription its own id, and a frame kept per id would keep one per
    subscriber for every remembered Event."""
    tail = shared_payloads.made_of(data, _NEXT_TAIL, _next_tail)
    return None if tail is None else text_frame(head + tail)


def _prebuilt_writer(websocket: Any) -> Callable[[bytes], bool] | None:
    """The connection's writer of ready-made frames, when the server offers one."""
    scope = getattr(getattr(websocket, "ws", None), "scope", None) or {}
    offered = (scope.get("extensions") or {}).get(PREBUILT)
    return offered["write"] if offered else None


class Refused(Exception):
    """A refused connection_init: the close code and a short reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason[:120]  # a close frame's reason is at most 123 bytes


class ConnectionGuard:
    """Per-process bookkeeping of open connections per token, and the revocation watch."""

    def __init__(self, hub: EventHub, max_per_token: int) -> None:
        self.hub = hub
        self.max_per_token = max_per_token
        self.open: Counter[str] = Counter()

    async def admit(self, context: GraphQLContext) -> tuple[Actor, str]:
        try:
            actor = await context.actor()
        except MissionControlError as error:
            raise Refused(_CLOSE_FOR.get(error.code, CLOSE_FORBIDDEN), error.message) from None
        key = f"credential:{actor.credential_id}" if actor.credential_id else actor.label
        if self.open[key] >= self.max_per_token:
            raise Refused(
                CLOSE_TOO_MANY,
                f"Too many open connections for this token (at most {self.max_per_token}).",
            )
        self.open[key] += 1
        return actor, key

    def release(self, key: str | None) -> None:
        if key is None:
            return
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]

    async def close_when_revoked(self, actor: Actor, close: Any) -> None:
        """Wait for the revocation of this actor's credential, then close the connection."""
        if actor.credential_id is None:
            return
        async for event in self.hub.subscribe(None, EventFilter(kinds=REVOKED)):
            if event.payload.get("credential_id") == actor.credential_id:
                await close(CLOSE_UNAUTHORIZED, "The token was revoked.")
                return


class _Guarded:
    """What both protocol handlers share: admission, release, the revocation watch."""

    view: Any
    context: GraphQLContext
    websocket: Any
    _key: str | None = None
    _watch: asyncio.Task[None] | None = None

    @property
    def guard(self) -> ConnectionGuard:
        guard: ConnectionGuard = self.view.guard
        return guard

    async def _admit(self) -> dict[str, object] | None:
        """Admit the connection (ack payload), or close it with the refusal's code (None)."""
        try:
            actor, self._key = await self.guard.admit(self.context)
        except Refused as refusal:
            await self.websocket.close(code=refusal.code, reason=refusal.reason)
            return None
        self._watch = asyncio.create_task(
            self.guard.close_when_revoked(actor, self._close_quietly), name="revocation-watch"
        )
        return {"actor": actor.label}

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def _release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(BaseException):
                await self._watch
            self._watch = None
        self.guard.release(self._key)
        self._key = None


class TransportWSHandler(_Guarded, BaseGraphQLTransportWSHandler["GraphQLContext", None]):
    """graphql-transport-ws with our close codes and limits."""

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=CLOSE_BAD_REQUEST, reason="Invalid init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=CLOSE_TOO_MANY, reason="Too many init requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        ack = await self._admit()
        if ack is None:
            return
        await self.send_message({"type": "connection_ack", "payload": ack})
        self.connection_acknowledged = True

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            await self._release()

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        """Strawberry's loop over the results, less those written as ready-made frames."""
        write = _prebuilt_writer(self.websocket)
        if write is None:
            await super()._send_result_stream(operation, result_source)
            return

        def write_direct(frame: bytes) -> bool:
            return (
                not operation.completed
                and self.operations.get(operation.id) is operation  # the client did not end it
                and self.websocket.ws.application_state is WebSocketState.CONNECTED
                and write(frame)
            )

        # The hub's direct deliveries (bus/hub.py) for this operation: its subscription
        # starts in this task, when strawberry first asks the stream for a result.
        direct = DirectFrames(
            functools.partial(next_frame, message_head(operation.id)), write_direct
        )
        reset = direct_delivery.set(direct)
        rest = self._unless_prebuilt(operation, write, result_source)
        try:
            async with contextlib.aclosing(rest):
                await super()._send_result_stream(operation, rest)
        finally:
            direct_delivery.reset(reset)

    async def _unless_prebuilt(
        self, operation: Any, write: Callable[[bytes], bool], results: AsyncIterator[Any]
    ) -> AsyncGenerator[Any, None]:
        """The results to send the ordinary way: a shared one without errors is written here
        as its frame instead (a pre-execution error always has errors: strawberry sees it)."""
        async for result in results:
            if not (
                isinstance(result, ExecutionResult)
                and not (operation.completed or result.errors or result.extensions)
                and self._wrote(operation, write, result)
            ):
                yield result

    def _wrote(self, operation: Any, write: Callable[[bytes], bool], result: Any) -> bool:
        frame = next_frame(message_head(operation.id), result.data)
        return (
            frame is not None
            and self.websocket.ws.application_state is WebSocketState.CONNECTED
            and write(frame)
        )


class LegacyWSHandler(_Guarded, BaseGraphQLWSHandler["GraphQLContext", None]):
    """The legacy graphql-ws protocol, which strawberry leaves without an init timeout."""

    _init_seen = False

    async def handle(self) -> None:
        timer = asyncio.create_task(self._init_timeout(), name="ws-init-timeout")
        try:
            await super().handle()
        finally:
            timer.cancel()
            with contextlib.suppress(BaseException):
                await timer
            await self._release()

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self._init_seen:
            await self._close_quietly(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_connection_init(self, message: Any) -> None:
        if self._init_seen:
            await self.websocket.close(code=CLOSE_TOO_MANY, reason="Too many init requests")
            return
        self._init_seen = True
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=CLOSE_BAD_REQUEST, reason="Invalid init payload")
            return
        self.context.connection_params = payload or {}
        ack = await self._admit()
        if ack is None:
            return
        await self.send_message({"type": "connection_ack", "payload": ack})
        self.connection_acknowledged = True
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())
