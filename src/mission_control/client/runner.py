"""The agent runner: wake on a heartbeat, take at most one task, run the command on it, hand it in.

Python API: `await Runner(RunnerConfig(name=..., token=..., server=..., command=...)).run()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from mission_control.client.generated.operations import (
    ClaimOutcome,
    EventKind,
    Operations,
    RunnerClaimNextClaimNextTaskTask,
    TaskStatus,
)
from mission_control.client.transport import GqlTransport, ServerRefused, ServerUnreachable
from mission_control.client.usage import send_usage
from mission_control.client.work import WorkOutcome, run_command
from mission_control.client.worktree import GitFailed, task_workspace

log = logging.getLogger("mission_control.runner")

T = TypeVar("T")

# Events about our task that mean "stop working on it".
STOPPING = {EventKind.RELEASED, EventKind.CANCELLED, EventKind.LEASE_EXPIRED}
# Refusals that mean the task is not ours any more, and ones no retry can fix.
TASK_GONE = {"FORBIDDEN", "INVALID_TRANSITION", "NOT_FOUND"}
FATAL = {"UNAUTHENTICATED", "FORBIDDEN"}
APPROVAL_ENDS = {
    EventKind.APPROVAL_GRANTED,
    EventKind.APPROVAL_DECLINED,
    EventKind.APPROVAL_EXPIRED,
}


@dataclass
class RunnerConfig:
    name: str
    token: str
    server: str
    command: str
    interval: float = 1800.0
    max_backoff: float = 30.0
    tail_lines: int = 20
    token_budget: int | None = None
    worktree: Path | None = None  # a git repository: each task runs in a worktree of it
    keep_worktree: bool = False


@dataclass
class Runner:
    config: RunnerConfig
    ops: Operations = field(init=False)
    current: RunnerClaimNextClaimNextTaskTask | None = None
    _stop_work: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _approvals: dict[int, asyncio.Future[EventKind]] = field(default_factory=dict)
    _last_event: int | None = None
    _subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    _working: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.ops = Operations(GqlTransport(self.config.server, self.config.token))

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Heartbeat until `stop` is set (or forever), holding at most one task at a time."""
        stop = stop or asyncio.Event()
        log.info("runner %s starting against %s", self.config.name, self.config.server)
        who = await self.retry("identify", self.ops.runner_me)
        log.info("authenticated as %s", who.me)
        listener = asyncio.create_task(self.listen(), name="runner-events")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), 10)
        try:
            while not stop.is_set():
                self._wake.clear()
                await self.beat()
                waiters = [asyncio.create_task(event.wait()) for event in (stop, self._wake)]
                await asyncio.wait(
                    waiters, timeout=self.config.interval, return_when="FIRST_COMPLETED"
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            self._stop_work.set()
            for job in (self._working, listener):
                if job is not None:
                    job.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await job

    async def beat(self) -> None:
        """One heartbeat: say we are alive; if idle, ask for the next task and start on it."""
        await self.heartbeat()
        if self._working is not None and not self._working.done():
            return
        try:
            answer = await self.retry("claim the next task", self.ops.runner_claim_next)
        except ServerRefused as error:
            if error.code in FATAL:
                raise
            log.warning("claim refused: %s; trying again next heartbeat", error)
            return
        claim = answer.claim_next_task
        if claim.outcome is ClaimOutcome.NOTHING or claim.task is None:
            log.info("nothing to do%s", f" ({claim.reason})" if claim.reason else "")
            return
        if claim.outcome is ClaimOutcome.AWAITING_APPROVAL:
            log.info(
                "task #%s awaits the operator's approval (#%s)", claim.task.id, claim.approval_id
            )
            if not await self.await_approval(claim.task.id, claim.approval_id):
                return
        self._working = asyncio.create_task(self.work(claim.task), name=f"task-{claim.task.id}")
        self._working.add_done_callback(self._work_done)

    def _work_done(self, job: asyncio.Task[None]) -> None:
        self._wake.set()  # look for the next task at once
        if not job.cancelled() and (error := job.exception()) is not None:
            log.error("work on a task failed: %r", error, exc_info=error)

    async def heartbeat(self) -> None:
        """Tell the server we are alive; this also renews the lease of the task we hold."""
        budget = self.config.token_budget
        try:
            answer = await self.retry(
                "send a heartbeat", lambda: self.ops.runner_heartbeat(token_budget=budget)
            )
        except ServerRefused as error:
            log.warning("heartbeat refused: %s", error)
            return
        if answer.heartbeat.paused:
            log.info("paused by the operator: no new task until resumed")

    async def await_approval(self, task_id: int, approval_id: int | None) -> bool:
        """Wait for the operator's decision on our claim of `task_id`; True when granted.

        The Event stream says it first; each heartbeat we also look, in case it was missed.
        """
        decision = asyncio.get_running_loop().create_future()
        self._approvals[task_id] = decision
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    kind = await asyncio.wait_for(asyncio.shield(decision), self.config.interval)
                    log.info("task #%s: %s", task_id, kind.value.lower().replace("_", " "))
                    return kind is EventKind.APPROVAL_GRANTED
                await self.heartbeat()
                pending = await self.retry("list approvals", self.ops.runner_pending_approvals)
                if approval_id in {approval.id for approval in pending.approvals}:
                    continue
                granted = await self.holds(task_id)
                log.info("task #%s: approval %s", task_id, "granted" if granted else "not granted")
                return granted
        finally:
            self._approvals.pop(task_id, None)

    async def holds(self, task_id: int) -> bool:
        """Whether the server says we hold `task_id` (it is in progress with us)."""
        check = lambda: self.ops.runner_task_holder(task_id)  # noqa: E731
        task = (await self.retry("check the task", check)).task
        return task.status is TaskStatus.IN_PROGRESS and task.assignee == self.config.name

    async def work(self, task: RunnerClaimNextClaimNextTaskTask) -> None:
        """Run the command on `task`, then submit it for review or block it with the error."""
        self.current = task
        self._stop_work.clear()
        log.info("working on task #%s %r", task.id, task.title)
        repo, keep = self.config.worktree, self.config.keep_worktree
        try:
            async with task_workspace(repo, task.id, task.title, keep=keep) as place:
                outcome = await run_command(
                    self.config.command,
                    task.model_dump(mode="json"),
                    lambda value, note: self.report(task.id, value, note),
                    self._stop_work,
                    tail_lines=self.config.tail_lines,
                    cwd=place.path,
                    on_usage=lambda usage: send_usage(self.ops, task.id, usage),
                )
                summary = await place.summary(task.title) if outcome.succeeded else ""
            await self.hand_in(task.id, outcome, summary)
        except GitFailed as error:
            log.error("task #%s: %s", task.id, error)
            reason = f"the runner could not prepare or read its git worktree: {error}"
            await self.retry("block", lambda: self.ops.runner_block_task(task.id, reason[:2000]))
        finally:
            self.current = None

    async def report(self, task_id: int, value: int, note: str | None) -> None:
        try:
            await self.ops.runner_report_progress(task_id, value, note=note)
            log.info("task #%s: progress %s%%", task_id, value)
        except ServerUnreachable as error:
            log.warning(
                "task #%s: progress %s%% not sent, server unreachable: %s", task_id, value, error
            )
        except ServerRefused as error:
            if error.code not in TASK_GONE:
                log.warning("task #%s: progress %s%% refused: %s", task_id, value, error)
                return
            log.warning("task #%s: no longer ours (%s); stopping the command", task_id, error)
            self._stop_work.set()

    async def hand_in(self, task_id: int, outcome: WorkOutcome, summary: str = "") -> None:
        if outcome.exit_code is None:
            log.info("task #%s: command stopped; the task is no longer ours", task_id)
            return
        try:
            if outcome.succeeded:
                result = outcome.output_tail or "(no output)"
                result = f"{summary}\n\n{result}" if summary else result
                await self.retry(
                    "submit", lambda: self.ops.runner_submit_for_review(task_id, result=result)
                )
                log.info("task #%s: submitted for review", task_id)
            else:
                reason = outcome.error_tail or outcome.output_tail or "(no output)"
                reason = f"command exited with {outcome.exit_code}: {reason}"
                await self.retry("block", lambda: self.ops.runner_block_task(task_id, reason))
                log.info("task #%s: blocked (exit %s)", task_id, outcome.exit_code)
        except ServerRefused as error:
            log.warning("task #%s: the server refused the hand-in: %s", task_id, error)

    async def listen(self) -> None:
        """Follow Events about this agent; reconnect with `since` after a drop, never lose one."""
        delay = 0.5
        kinds = sorted(STOPPING | APPROVAL_ENDS)
        while True:
            try:
                stream = self.ops.runner_agent_events(
                    self.config.name, since=self._last_event, kinds=kinds
                )
                self._subscribed.set()
                async for message in stream:
                    delay = 0.5
                    self.on_event(message.events.id, message.events.kind, message.events.task_id)
            except Exception as error:  # any drop: log it, reconnect, replay from the last id
                log.warning("event stream lost (%s); reconnecting in %.1fs", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.max_backoff)

    def on_event(self, event_id: int, kind: EventKind, task_id: int | None) -> None:
        self._last_event = event_id
        if kind in STOPPING and self.current is not None and task_id == self.current.id:
            log.info("task #%s: %s; terminating the command", task_id, kind.value.lower())
            self._stop_work.set()
        elif kind in APPROVAL_ENDS and task_id in self._approvals:
            decision = self._approvals[task_id]
            if not decision.done():
                decision.set_result(kind)

    async def retry(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Call until the server answers; waits double (up to max_backoff) while it is away."""
        delay = 0.5
        while True:
            try:
                return await call()
            except ServerUnreachable as error:
                log.warning(
                    "cannot %s, server unreachable (%s); retrying in %.1fs", what, error, delay
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.max_backoff)


def configure_logging(name: str, level: int = logging.INFO) -> None:
    """Readable lines on stderr: time, agent name, what happened."""
    logging.basicConfig(level=level, format=f"%(asctime)s {name}: %(message)s", force=True)
    logging.getLogger("gql").setLevel(logging.WARNING)


__all__ = ["Runner", "RunnerConfig", "configure_logging"]
