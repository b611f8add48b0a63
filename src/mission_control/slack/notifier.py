"""Follows the event hub into the Slack outbox, and drains the outbox into the channel.

Two loops. The follower runs in every process: it reads Events after the stored resume point,
queues the ones the notify level wants, and moves the resume point, so a restart neither skips
nor repeats an Event. The drainer posts queued Events in order, but only where `is_leader()`
says so: with several processes on PostgreSQL exactly one holds the periodic-work leadership,
so each Event is posted once. A failed post keeps its row and backs off; nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from mission_control.bus import EventHub
from mission_control.slack.levels import CRITICAL, wanted
from mission_control.slack.messages import render
from mission_control.store import slack_outbox as outbox
from mission_control.store.context import Context

log = logging.getLogger(__name__)

BATCH = 50
FIRST_BACKOFF_SECONDS = 0.5
IDLE_CHECK_SECONDS = 5.0
SAVE_CURSOR_EVERY = 100

# Slack answered and said no to this message (bad blocks, too long): retrying the same message
# a few times covers a passing glitch; after that it would hold up every message behind it.
MAX_REFUSALS = 5

POST_FAILURES = (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def refused(error: Exception) -> bool:
    """Slack received the message and refused it, as opposed to being unreachable or busy."""
    if not isinstance(error, SlackApiError):
        return False
    return error.response.status_code == 200 and not error.response.get("ok", False)


class Notifier:
    def __init__(
        self,
        ctx: Context,
        hub: EventHub,
        client: AsyncWebClient,
        is_leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self._ctx = ctx
        self._hub = hub
        self._client = client
        self._is_leader = is_leader
        self._channel = ctx.settings.slack_channel or ""
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._failures = 0
        self._retry_at = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow(), name="slack-follow"),
            asyncio.create_task(self._drain_forever(), name="slack-drain"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _follow(self) -> None:
        while True:
            try:
                await self._follow_once()
                return
            except Exception:
                # A busy or restarting database: resume from the stored point, skipping nothing.
                log.exception("queueing Events for Slack failed; resuming from the stored point")
                await asyncio.sleep(FIRST_BACKOFF_SECONDS)

    async def _follow_once(self) -> None:
        since = await outbox.read_cursor()
        if since is None:
            since = self._hub.cursor.id  # first run: announce from now on, not the whole history
            await outbox.queue_events(self._ctx, [], since)
        level = self._ctx.settings.slack_notify_level
        skipped = 0
        async for event in self._hub.subscribe(since=since):
            if wanted(event, level):
                await outbox.queue_events(self._ctx, [event], event.id)
                skipped = 0
                self._wake.set()
                continue
            # Unwanted Events move the resume point only now and then: replaying a few after a
            # restart costs nothing (they are filtered again), a write per heartbeat would.
            skipped += 1
            if skipped >= SAVE_CURSOR_EVERY:
                await outbox.queue_events(self._ctx, [], event.id)
                skipped = 0

    async def _drain_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._pause())
            self._wake.clear()
            if self._is_leader():
                try:
                    await self.drain()
                except Exception:
                    log.exception("draining the Slack outbox failed; trying again later")
                    self._back_off()

    def _pause(self) -> float:
        if self._failures:
            return max(0.05, self._retry_at - time.monotonic())
        return IDLE_CHECK_SECONDS

    def _back_off(self) -> None:
        limit = self._ctx.settings.slack_retry_max_seconds
        delay = min(limit, FIRST_BACKOFF_SECONDS * 2**self._failures)
        self._failures += 1
        self._retry_at = time.monotonic() + delay

    async def drain(self, _ctx: Context | None = None) -> int:
        """Post every queued Event in order; stop at the first failure and back off."""
        async with self._lock:
            if self._failures and time.monotonic() < self._retry_at:
                return 0
            sent = 0
            while batch := await outbox.pending(BATCH):
                for item in batch:
                    try:
                        channel, ts = await self._post(item)
                    except POST_FAILURES as error:
                        attempts = await outbox.mark_failed(item, repr(error))
                        if refused(error) and attempts >= MAX_REFUSALS:
                            log.error(
                                "Slack refused event %s %s times (%s); skipping it",
                                item.event.id,
                                attempts,
                                error,
                            )
                            await outbox.give_up(self._ctx, item, repr(error))
                            continue
                        self._back_off()
                        log.warning(
                            "Slack post of event %s failed (%r); retry #%s later",
                            item.event.id,
                            error,
                            self._failures,
                        )
                        return sent
                    await outbox.mark_sent(self._ctx, item, channel, ts)
                    sent += 1
                self._failures = 0
            return sent

    async def _post(self, item: outbox.Pending) -> tuple[str, str]:
        message = render(item.event, item.task, self._ctx.settings.base_url, item.approval_id)
        thread = item.thread
        if thread is None and item.task is not None:
            # Opened earlier in this same batch, after the batch was read.
            thread = await outbox.thread_of(item.task.id)
        response = await self._client.chat_postMessage(
            channel=thread.channel if thread else self._channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread.ts if thread else None,
            # What needs a person also shows in the channel, not only inside the thread.
            reply_broadcast=bool(thread) and item.event.kind in CRITICAL,
            unfurl_links=False,
        )
        return str(response["channel"]), str(response["ts"])
