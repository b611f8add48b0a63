"""Follows the event hub into the webhook outbox, and sends what is due.

Two loops per process, like Slack's notifier. The follower queues matching Events after the
stored resume point (unique rows: every process may do it). The sender claims due deliveries
(a lease per row, `FOR UPDATE SKIP LOCKED` on PostgreSQL), so with several processes each
delivery has one sender; a failed one waits its backoff and is retried, in order per task.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from typing import Any

import aiohttp

from mission_control.bus import EventHub
from mission_control.domain.events import EventRecord
from mission_control.store import webhook_outbox as outbox
from mission_control.store.context import Context
from mission_control.webhooks.signing import headers

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 1.0
FOLLOW_RETRY_SECONDS = 0.5
SAVE_CURSOR_EVERY = 100
SEND_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def message_id(event: EventRecord) -> str:
    """The same for every attempt and replay of an Event, so receivers can drop duplicates."""
    return f"msg_mc_{event.id}"


def body_of(event: EventRecord) -> bytes:
    """The JSON the endpoint receives: the Standard Webhooks envelope around the Event."""
    data: dict[str, Any] = {
        "id": event.id,
        "kind": event.kind.name,
        "actor": event.actor,
        "taskId": event.task_id,
        "agentName": event.agent_name,
        "fromStatus": event.from_status.name if event.from_status else None,
        "toStatus": event.to_status.name if event.to_status else None,
        "payload": event.payload,
        "createdAt": event.created_at.isoformat(),
    }
    envelope = {
        "type": f"task.{event.kind.value}" if event.task_id else f"board.{event.kind.value}",
        "timestamp": event.created_at.isoformat(),
        "data": data,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


class WebhookSender:
    def __init__(self, ctx: Context, hub: EventHub) -> None:
        self._ctx = ctx
        self._hub = hub
        self._name = f"{socket.gethostname()}:{os.getpid()}"
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._ctx.settings.webhook_timeout_seconds)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._tasks = [
            asyncio.create_task(self._follow(), name="webhooks-follow"),
            asyncio.create_task(self._send_forever(), name="webhooks-send"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()

    async def _follow(self) -> None:
        while True:
            try:
                since = await outbox.read_cursor()
                if since is None:
                    since = self._hub.cursor.id  # first run: from now on, not the whole history
                    await outbox.queue_events(self._ctx, [], since)
                skipped = 0
                live = outbox.LiveWebhooks()
                async for event in self._hub.subscribe(since=since):
                    # An Event no webhook wants moves the resume point only now and then:
                    # replaying a few after a restart costs nothing, a write per Event would.
                    skipped += 1
                    save = skipped >= SAVE_CURSOR_EVERY
                    if await outbox.queue_events(
                        self._ctx, [event], event.id, save_cursor=save, live=live
                    ):
                        self._wake.set()
                        skipped = 0
                    elif save:
                        skipped = 0
                return
            except Exception:
                log.exception("queueing Events for webhooks failed; resuming from the cursor")
                await asyncio.sleep(FOLLOW_RETRY_SECONDS)

    async def _send_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), await self._pause())
            self._wake.clear()
            try:
                while await self.send_due():
                    pass
            except Exception:
                log.exception("sending webhooks failed; trying again shortly")

    async def _pause(self) -> float:
        due = await outbox.next_due_at()
        if due is None:
            return IDLE_CHECK_SECONDS
        wait = (due - self._ctx.clock()).total_seconds()
        return min(IDLE_CHECK_SECONDS, max(0.02, wait))

    async def send_due(self) -> int:
        """Claim and send what is due now; returns how many were claimed."""
        claimed = await outbox.claim_due(self._ctx, self._name)
        await asyncio.gather(*(self._send(item) for item in claimed))
        return len(claimed)

    async def _send(self, item: outbox.Due) -> None:
        assert self._session is not None
        body = body_of(item.event)
        moment = int(self._ctx.clock().timestamp())
        signed = headers(item.secret, message_id(item.event), moment, body)
        try:
            async with self._session.post(item.url, data=body, headers=signed) as response:
                status = response.status
                answer = (await response.text())[:300]
        except SEND_FAILURES as error:
            await self._failed(item, 0, f"no answer: {error!r}")
            return
        if 200 <= status < 300:
            await outbox.mark_delivered(self._ctx, item, status)
        else:
            await self._failed(item, status, f"HTTP {status}: {answer}")

    async def _failed(self, item: outbox.Due, status: int, error: str) -> None:
        gave_up = await outbox.mark_failed(self._ctx, item, status, error)
        log.warning(
            "webhook #%s, event %s: attempt %s failed (%s)%s",
            item.webhook_id,
            item.event.id,
            item.attempts,
            error,
            "; giving up (replayable)" if gave_up else "",
        )
