"""A loopback HTTP server that answers like an OpenAI-compatible chat-completions endpoint.

Each test queues the answers it wants: a message content (good or malformed JSON), an error
status, or silence (the request is held until the server stops, so the client times out).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HANG = "hang"


@dataclass
class ChatCompletions:
    answers: list[str | int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer_with_subtasks(self, subtasks: list[dict[str, Any]]) -> None:
        self.answers.append(json.dumps({"subtasks": subtasks}))

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        answer = self.answers.pop(0) if self.answers else 500
        if answer == HANG:
            await self._released.wait()
            return web.json_response({"error": "stopped"}, status=503)
        if isinstance(answer, int):
            return web.json_response({"error": {"message": "overloaded"}}, status=answer)
        return web.json_response(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
            }
        )

    async def start(self) -> ChatCompletions:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
