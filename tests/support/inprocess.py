"""The real GraphQL endpoint under uvicorn in the test's own process and event loop.

For tests that look inside the server while it serves (live objects, statements issued):
the same Runtime, schema and hub as `mission-control serve`, without the board pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from mission_control.runtime import Runtime
from mission_control.settings import Settings
from mission_control.web.graphql_endpoint import GraphQLEndpoint
from mission_control.web.socket_writes import websocket_options
from tests.support.server import OPERATOR_TOKEN


@dataclass
class InProcessServer:
    runtime: Runtime
    port: int
    operator_token: str = OPERATOR_TOKEN

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@contextlib.asynccontextmanager
async def serving(database_url: str, **settings: object) -> AsyncIterator[InProcessServer]:
    """Serve GraphQL over HTTP and WebSocket on a free loopback port until the block ends."""
    config = Settings(database_url=database_url, operator_token=OPERATOR_TOKEN, **settings)  # type: ignore[arg-type]
    runtime = Runtime(config)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    endpoint = GraphQLEndpoint(runtime)
    app = Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
        ],
        lifespan=lifespan,
    )
    # Bound here and handed to uvicorn, so no other process can take the port in between.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_level="warning", **websocket_options(config))
    )
    serving_task = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:
        assert not serving_task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    try:
        yield InProcessServer(runtime, port)
    finally:
        server.should_exit = True
        await serving_task
        listening.close()


class StatementLog(logging.Handler):
    """Every SQL statement Tortoise sends (its DEBUG log of each query), in order."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self.values: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and len(record.args) == 2:
            statement, values = record.args
            self.statements.append(str(statement))
            self.values.append(list(values) if isinstance(values, list | tuple) else [])
        elif not record.getMessage().startswith(("Created connection", "Closed connection")):
            self.statements.append(record.getMessage())
            self.values.append([])

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[str]]:
        """Collect the statements issued inside the block."""
        logger = logging.getLogger("tortoise.db_client")
        level, disabled = logger.level, logger.disabled
        logger.setLevel(logging.DEBUG)
        logger.disabled = False  # an in-process uvicorn's logging config may have disabled it
        logger.addHandler(self)
        self.statements, self.values = [], []
        try:
            yield self.statements
        finally:
            logger.removeHandler(self)
            logger.setLevel(level)
            logger.disabled = disabled
