"""The runner's output stream against a stand-in for the server's GraphQL endpoint (the network
edge, as tests/slack use a fake Slack): coalesced chunks, a bounded queue, retries, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from mission_control.client.generated.operations import Operations
from mission_control.client.output import CHUNK_CHARS, QUEUE_LINES, OutputStream
from mission_control.client.transport import ServerRefused, ServerUnreachable


class Endpoint:
    """Answers reportOutput like the server; can be told to be away or to refuse."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.away = False
        self.refuse: str | None = None
        self.answered = asyncio.Event()

    async def execute(self, document: str, name: str, variables: dict[str, Any]) -> Any:
        assert name == "RunnerReportOutput" and variables["taskId"] == 7
        if self.away:
            raise ServerUnreachable("connection refused")
        if self.refuse:
            raise ServerRefused("Agent dev does not hold task #7", self.refuse)
        assert 0 < len(variables["chunk"]) <= CHUNK_CHARS
        self.chunks.append(variables["chunk"])
        self.answered.set()
        return {"reportOutput": {"taskId": 7, "lines": 1}}

    def subscribe(self, document: str, name: str, variables: dict[str, Any]) -> AsyncIterator[Any]:
        raise NotImplementedError

    def lines(self) -> list[str]:
        return "\n".join(self.chunks).split("\n")


async def turns(count: int = 20) -> None:
    """Let the event loop run the sender a few times (no waiting on the clock)."""
    for _ in range(count):
        await asyncio.sleep(0)


def stream(endpoint: Endpoint, interval: float = 60.0) -> OutputStream:
    output = OutputStream(Operations(endpoint), 7, interval)
    output.start()
    return output


async def test_lines_printed_meanwhile_wait_for_the_next_chunk() -> None:
    endpoint = Endpoint()
    output = stream(endpoint)
    output.add("first")
    await endpoint.answered.wait()
    for n in range(50):
        output.add(f"line {n}")
    await turns()
    assert endpoint.chunks == ["first"], "at most one chunk per interval"

    await output.close()  # the command ended: what is left goes at once

    assert endpoint.chunks == ["first", "\n".join(f"line {n}" for n in range(50))]


async def test_a_flood_keeps_the_newest_lines_and_says_how_many_were_dropped() -> None:
    endpoint = Endpoint()
    output = stream(endpoint)
    for n in range(QUEUE_LINES + 300):
        output.add(f"line {n} " + "x" * 100)
    await output.close()

    lines = endpoint.lines()
    assert lines[0] == "… 300 line(s) not sent: printed faster than streamed"
    assert [line.split()[1] for line in lines[1:]] == [str(n) for n in range(300, 500)]
    assert len(endpoint.chunks) > 1, "more than a chunk's worth is split"


async def test_lines_wait_while_the_server_is_away_and_go_when_it_is_back() -> None:
    endpoint = Endpoint()
    endpoint.away = True
    output = stream(endpoint, interval=0.01)
    output.add("while away")
    await turns()
    endpoint.away = False
    output.add("back")
    await output.close()

    assert endpoint.lines() == ["while away", "back"]


async def test_a_refusal_stops_the_stream_for_that_task() -> None:
    endpoint = Endpoint()
    endpoint.refuse = "FORBIDDEN"
    output = stream(endpoint, interval=0.01)
    output.add("not ours any more")
    await output.close()
    endpoint.refuse = None
    output.add("later")
    await output.close()

    assert endpoint.chunks == []


async def test_colours_are_stripped_and_blank_lines_alone_are_not_sent() -> None:
    endpoint = Endpoint()
    output = stream(endpoint)
    output.add("")
    output.add("   ")
    await output.close()
    assert endpoint.chunks == []

    output = stream(endpoint)
    output.add("\x1b[32mPASS\x1b[0m test_parser")
    await output.close()
    assert endpoint.chunks == ["PASS test_parser"]
