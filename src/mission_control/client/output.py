"""The command's output, streamed: its lines cleaned and sent to the server in coalesced chunks.

The runner hands every line the command prints (stdout and stderr) to `OutputStream.add`,
which only queues it; one sender sends what is queued at most every `interval` seconds, as one
`reportOutput` chunk (at most CHUNK_CHARS characters). The queue is bounded: a command that
prints faster than a chunk can carry loses its oldest unsent lines, and the next chunk says how
many. The server keeps the last lines as the agent's `outputTail`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque

from mission_control.client.generated.operations import Operations
from mission_control.client.transport import ServerRefused, ServerUnreachable

log = logging.getLogger("mission_control.runner")

CHUNK_CHARS = 8_000  # the server refuses a longer chunk (domain/output.py)
LINE_CHARS = 1_000  # a longer line is cut: the tail is for watching, the result keeps the rest
QUEUE_LINES = 200  # the server keeps no more than this of a chunk anyway
DEFAULT_INTERVAL = 1.0
NOTE_CHARS = 100  # room kept in a chunk for the note on lines that were not sent
CLOSE_PATIENCE = 5.0  # seconds the last chunk may take when the command ends
GONE = {"FORBIDDEN", "NOT_FOUND"}  # the server's answer once the task is not the agent's

# Colours, cursor moves and window titles (CSI, OSC and two-character escapes), then any other
# control character but tab: the server refuses them (they would rewrite a viewer's terminal).
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_line(raw: str) -> str:
    """A line as a terminal would leave it: no escapes; after a carriage return only what was
    written last (a progress bar redraws its line); at most LINE_CHARS characters."""
    text = _ESCAPE.sub("", raw).rstrip("\r")
    text = _CONTROL.sub("", text.rsplit("\r", 1)[-1])
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


class OutputStream:
    """Queues a task's output lines and sends them in chunks, at most one per `interval`."""

    def __init__(self, ops: Operations, task_id: int, interval: float = DEFAULT_INTERVAL) -> None:
        self._ops = ops
        self._task_id = task_id
        self._interval = interval
        self._queue: deque[str] = deque(maxlen=QUEUE_LINES)
        self._dropped = 0
        self._wake = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._refused = False
        self.chunks_sent = 0

    def start(self) -> None:
        if self._interval > 0:
            self._sender = asyncio.create_task(self._send_forever(), name="runner-output")

    def add(self, line: str) -> None:
        """Queue one line the command printed (never waits)."""
        if self._sender is None or self._refused:
            return
        if len(self._queue) == self._queue.maxlen:
            self._dropped += 1
        self._queue.append(clean_line(line))
        self._wake.set()

    async def close(self) -> None:
        """Stop the sender and send what is left (giving up after CLOSE_PATIENCE seconds)."""
        if self._sender is None:
            return
        self._sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender
        self._sender = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._send_queued(), CLOSE_PATIENCE)

    async def _send_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._send_chunk()
            if self._queue:
                self._wake.set()  # more than one chunk's worth: the rest goes next time
            await asyncio.sleep(self._interval)  # coalesce: what comes meanwhile waits

    def _take_chunk(self) -> list[str]:
        """Queued lines up to a chunk's size, leaving room for the note on dropped lines."""
        lines: list[str] = []
        size = NOTE_CHARS
        while self._queue and size + len(self._queue[0]) + 1 <= CHUNK_CHARS:
            size += len(self._queue[0]) + 1
            lines.append(self._queue.popleft())
        return lines

    async def _send_queued(self) -> None:
        while self._queue and not self._refused:
            if not await self._send_chunk():
                return

    async def _send_chunk(self) -> bool:
        """Send one chunk of what is queued; False when the server cannot take it now."""
        if self._refused:
            return False
        lines, dropped = self._take_chunk(), self._dropped
        if not dropped and not any(line.strip() for line in lines):
            return True  # only blank lines: nothing a viewer would miss
        note = [f"… {dropped} line(s) not sent: printed faster than streamed"] * bool(dropped)
        try:
            await self._ops.runner_report_output(self._task_id, "\n".join(note + lines))
        except ServerUnreachable as error:
            log.warning("task #%s: output not sent, unreachable: %s", self._task_id, error)
            self._put_back(lines)
            return False
        except ServerRefused as error:
            self._refused = True
            if error.code in GONE:  # cancelled, released, reassigned: the runner stops it too
                log.info("task #%s is no longer ours; its output is not sent", self._task_id)
            else:
                log.warning("task #%s: output refused (%s); not sending more", self._task_id, error)
            return False
        self._dropped -= dropped
        self.chunks_sent += 1
        return True

    def _put_back(self, lines: list[str]) -> None:
        """Queue unsent lines again in front of newer ones, as far as the queue has room."""
        room = QUEUE_LINES - len(self._queue)
        kept = lines[max(0, len(lines) - room) :] if room > 0 else []
        self._dropped += len(lines) - len(kept)
        self._queue.extendleft(reversed(kept))
