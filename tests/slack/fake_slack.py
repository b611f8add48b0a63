"""A loopback HTTP server that answers like Slack's Web API and its response_url webhooks.

It records every request, can be scripted to answer the next calls with 429 + Retry-After or
with 500s (an outage), and lets a test wait on what it has received instead of sleeping."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

CHANNEL_ID = "C0MISSION"


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    status: int
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class FakeSlack:
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    down: bool = False
    scripted: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    _next_ts: int = 1000
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "reply") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                status, headers, answer = fake._answer(self.path, body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                data = json.dumps(answer).encode()
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        with self._changed:
            if self.down:
                status, headers, answer = 500, {}, {"ok": False, "error": "internal_error"}
            elif self.scripted:
                status, headers = self.scripted.pop(0)
                error = "ratelimited" if status == 429 else "invalid_blocks"
                answer = {"ok": False, "error": error}
            else:
                status, headers, answer = 200, {}, self._ok(path, body)
            self.calls.append(Call(path, body, status, answer))
            self._changed.notify_all()
        return status, headers, answer

    def _ok(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("chat.postMessage"):
            self._next_ts += 1
            ts = f"{self._next_ts}.000100"
            return {"ok": True, "channel": CHANNEL_ID, "ts": ts, "message": {"ts": ts}}
        if path.endswith("chat.update"):
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        return {"ok": True}

    def posted(self) -> list[Call]:
        """Messages Slack accepted, in order."""
        with self._changed:
            return [c for c in self.calls if c.method == "chat.postMessage" and c.answer.get("ok")]

    def wait_for(self, ready: Callable[[FakeSlack], bool], timeout: float = 20.0) -> None:
        """Block until `ready(self)` holds after some request; fail after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: ready(self), timeout):
                seen = [(c.method, c.status, c.body.get("text")) for c in self.calls]
                raise AssertionError(f"Slack never saw what the test waited for; saw {seen}")
