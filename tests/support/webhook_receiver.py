"""A local webhook endpoint that verifies Standard Webhooks signatures on its own (from the
spec, not from our signing module) and can refuse the first N deliveries."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.server import free_port


@dataclass
class Receiver:
    secret: str = ""
    fail_first: int = 0
    port: int = field(default_factory=free_port)
    received: list[dict[str, Any]] = field(default_factory=list)  # accepted bodies, in order
    message_ids: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    bad_signatures: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def verify(self, headers: Any, body: bytes) -> bool:
        message_id = headers.get("webhook-id", "")
        timestamp = headers.get("webhook-timestamp", "")
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
        wanted = base64.b64encode(expected.digest()).decode()
        given = [sig.partition(",")[2] for sig in headers.get("webhook-signature", "").split()]
        return any(hmac.compare_digest(wanted, sig) for sig in given)

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await self.answer(request)
        finally:
            self.changed.set()  # whatever happened, a waiter looks again

    async def answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self.verify(request.headers, body):
            self.bad_signatures += 1
            return web.Response(status=401, text="bad signature")
        if self.refused < self.fail_first:
            self.refused += 1
            return web.Response(status=503, text="down for a moment")
        self.message_ids[request.headers["webhook-id"]] += 1
        self.received.append(json.loads(body))
        return web.Response(status=204)

    async def wait_until(self, done: Any, timeout: float = 60) -> None:
        """Await new deliveries until `done(self)` holds (no polling sleeps)."""

        async def loop() -> None:
            while not done(self):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
