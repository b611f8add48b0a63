"""Everything one server process runs besides HTTP: database, event hub, periodic work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from mission_control.adapters.llm_decomposer import LlmDecomposer
from mission_control.bus import EventHub
from mission_control.bus.base import Bus, InMemoryBus
from mission_control.database import close_database, open_database
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.leadership import Leadership, make_leadership
from mission_control.services.approvals import expire_approvals
from mission_control.services.auth import ensure_operator_token, forget_revoked, hash_token
from mission_control.services.automation import follow, run_automation, trigger_filter
from mission_control.services.budgets import resume_budgets
from mission_control.services.claims import expire_leases
from mission_control.services.routing import route_ready_tasks
from mission_control.services.sessions import create_login_code
from mission_control.services.stuck import clear_on_report, signs_of_life, watch_stuck
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore

log = logging.getLogger(__name__)

PeriodicJob = Callable[[Context], Awaitable[object]]


class Worker(Protocol):
    """A long-running part (e.g. the Slack notifier) started after the hub, stopped before it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def make_bus(settings: Settings) -> Bus:
    """LISTEN/NOTIFY on PostgreSQL, so several processes share one stream; in-process otherwise."""
    if settings.is_postgres:
        from mission_control.bus.postgres import PostgresBus

        return PostgresBus(settings.database_url)
    return InMemoryBus()


@dataclass
class Runtime:
    settings: Settings
    jobs: list[tuple[str, PeriodicJob]] = field(default_factory=list)
    hub: EventHub = field(init=False)
    leadership: Leadership = field(init=False)
    ctx: Context = field(init=False)
    new_operator_token: str | None = None
    login_code: str | None = None  # one-time login link for the new operator token
    workers: list[Worker] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hub = EventHub(
            DatabaseEventStore(), make_bus(self.settings), self.settings.subscriber_queue_size
        )
        self.ctx = Context(self.settings, publisher=self.hub, llm_decomposer=LlmDecomposer)
        self.leadership = make_leadership(self.settings)
        self.jobs.append(("expire leases", expire_leases))
        self.jobs.append(("expire approvals", expire_approvals))
        self.jobs.append(("route ready tasks", route_ready_tasks))
        self.jobs.append(("automation rules", run_automation))
        self.jobs.append(("lift budget pauses", resume_budgets))
        self.jobs.append(("watch for stuck work", watch_stuck))

    async def start(self) -> None:
        await open_database(self.settings)
        await self.hub.start()
        self.new_operator_token = await ensure_operator_token(self.ctx)
        if self.new_operator_token:
            self.login_code = await create_login_code(self.ctx, hash_token(self.new_operator_token))
        self._tasks.append(asyncio.create_task(self._periodic(), name="periodic-work"))
        # Every process, leader or not: a token revoked anywhere leaves this one's cache.
        revoked = self.hub.subscribe(None, EventFilter(kinds=frozenset({EventKind.TOKEN_REVOKED})))
        self._tasks.append(
            asyncio.create_task(forget_revoked(self.ctx, revoked), name="credential-cache")
        )
        events = self.hub.subscribe(None, trigger_filter())
        self._tasks.append(
            asyncio.create_task(follow(self.ctx, self._while_leading(events)), name="automation")
        )
        reports = self.hub.subscribe(None, signs_of_life())
        self._tasks.append(
            asyncio.create_task(
                clear_on_report(self.ctx, self._while_leading(reports)), name="stuck-clear"
            )
        )
        for worker in self.workers:
            await worker.start()

    async def stop(self) -> None:
        for worker in self.workers:
            await worker.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.leadership.release()
        await self.hub.stop()
        await close_database()

    async def run_jobs_once(self) -> None:
        """Run every periodic job one time; a failing job is logged and the others still run."""
        for name, job in self.jobs:
            try:
                await job(self.ctx)
            except Exception:
                log.exception("periodic job %r failed; it runs again next round", name)

    async def _while_leading(
        self, events: AsyncIterator[EventRecord]
    ) -> AsyncIterator[EventRecord]:
        """The Events that only the leader acts on: automation runs in one process at a time."""
        async for event in events:
            if self.leadership.is_leader:
                yield event

    async def _periodic(self) -> None:
        # Only the leader runs the jobs; the others ask again each round and take over when
        # the leader's connection (and with it its advisory lock) goes away.
        while True:
            await asyncio.sleep(self.settings.sweep_interval_seconds)
            if await self.leadership.refresh():
                await self.run_jobs_once()
