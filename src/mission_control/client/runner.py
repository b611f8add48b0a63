"""The agent runner: wake on Events (a heartbeat bounds a missed one), take at most one task,
run the command on it, hand it in; resume what it holds, release it when stopped.

Python API: `await Runner(RunnerConfig(name=..., token=..., server=..., command=...)).run()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mission_control.client.generated.operations import (
    AgentStatus,
    ClaimOutcome,
    EventKind,
    Operations,
    RunnerEventsEvents,
    TaskStatus,
)
from mission_control.client.output import OutputStream
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


# Events that may give an idle runner work: a task became ready, was assigned, a dependency
# finished, an approval was decided, the operator resumed agents or raised a limit, or the
# budget pause was lifted.
WAKING = {
    EventKind.TRIAGED,
    EventKind.UNBLOCKED,
    EventKind.ASSIGNED,
    EventKind.APPROVED,
    EventKind.DEPENDENCY_REMOVED,
    EventKind.AGENT_UPDATED,
    EventKind.AUTONOMY_CHANGED,
    EventKind.REJECTED,
    EventKind.BUDGET_RESUMED,
}
SUBSCRIBED = sorted(STOPPING | APPROVAL_ENDS | WAKING)
DEFAULT_INTERVAL = 30.0
DEFAULT_GRACE = 5.0
RELEASE_PATIENCE = 10.0  # seconds a stopping runner keeps trying to hand its task back


@dataclass
class RunnerConfig:
    name: str
    token: str
    server: str
    command: str
    interval: float = DEFAULT_INTERVAL
    max_backoff: float = 30.0
    tail_lines: int = 20
    token_budget: int | None = None
    grace: float = DEFAULT_GRACE
    worktree: Path | None = None  # a git repository: each task runs in a worktree of it
    keep_worktree: bool = False
    output_interval: float = 1.0  # seconds between output chunks sent; 0: send none


Assignment = dict[str, Any]  # the task as the command sees it (JSON on stdin, MC_TASK_JSON)


@dataclass
class Runner:
    """Wakes on Events (and at least every `interval` seconds), holds at most one running task.

    Every task it holds and is not running it resumes (a rejected task with the feedback, a
    task held from before a restart from the start); a failed or timed-out command is a failed
    attempt the server retries or blocks; when stopped it releases what it holds.
    """

    config: RunnerConfig
    ops: Operations = field(init=False)
    transport: GqlTransport = field(init=False)
    current: Assignment | None = None
    stopped_because: str | None = None
    _stop_work: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _approvals: dict[int, asyncio.Future[EventKind]] = field(default_factory=dict)
    _last_event: int | None = None
    _subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    _working: asyncio.Task[None] | None = None
    _look_at_held: bool = True  # ask which tasks we hold: at start, after a reject, each beat
    _command_group: int | None = None
    _released: list[int] = field(default_factory=list)
    _listener: asyncio.Task[None] | None = None
    _skills: frozenset[str] | None = None  # ours, as the server knows them (None: not known)

    def __post_init__(self) -> None:
        self.transport = GqlTransport(self.config.server, self.config.token)
        self.ops = Operations(self.transport)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Work until `stop` is set (or forever); then stop the command and release the task."""
        stop = stop or asyncio.Event()
        log.info("runner %s starting against %s", self.config.name, self.config.server)
        body = asyncio.create_task(self._main(stop), name="runner-main")
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({body, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if body.done():
                body.result()  # a fatal refusal (bad token) ends the runner with its error
        finally:
            stopping.cancel()
            body.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await body
            listener = self._listener
            await self._wind_down(release=stop.is_set())
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _main(self, stop: asyncio.Event) -> None:
        who = await self.retry("identify", self.ops.runner_me)
        log.info("authenticated as %s", who.me)
        await self.learn_skills()
        # Follow Events from now on: whatever happens after this id reaches us, even if the
        # stream connects after our first claim.
        self._last_event = await self.retry("read the last Event id", self.transport.last_event_id)
        self._listener = asyncio.create_task(self.listen(), name="runner-events")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), 10)
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        while not stop.is_set():
            self._wake.clear()
            if loop.time() >= next_beat:
                await self.heartbeat()
                self._look_at_held = True
                next_beat = loop.time() + self.config.interval
            await self.step()
            await _first_of(stop, self._wake, timeout=max(next_beat - loop.time(), 0))

    async def learn_skills(self) -> None:
        """Read our skills, so Events about tasks we cannot take do not wake us."""
        read = lambda: self.ops.runner_skills(self.config.name)  # noqa: E731
        answer = await self.retry("read our skills", read)
        self._skills = frozenset(answer.agent.skills) if answer.agent is not None else None

    async def beat(self) -> None:
        """One heartbeat, then one step (kept for callers that drive the runner by hand)."""
        await self.heartbeat()
        await self.step()

    async def step(self) -> None:
        """If idle: resume a task we hold, else ask for the next task and start on it."""
        if self._working is not None and not self._working.done():
            return
        if self._look_at_held:
            self._look_at_held = False
            held = await self.retry("list held tasks", self._held)
            if held:
                self.start(held[0], resumed=True)
                return
        try:
            answer = await self.retry("claim the next task", self.ops.runner_claim_next)
        except ServerRefused as error:
            if error.code in FATAL:
                raise
            log.warning("claim refused: %s; trying again on the next Event or heartbeat", error)
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
        self.start(claim.task.model_dump(mode="json"), resumed=False)

    async def _held(self) -> list[Assignment]:
        answer = await self.ops.runner_held_tasks(self.config.name)
        return [task.model_dump(mode="json") for task in answer.tasks.nodes]

    def start(self, task: Assignment, *, resumed: bool) -> None:
        if resumed:
            why = "rework with the operator's feedback" if task.get("feedback") else "resuming"
            log.info("task #%s is ours but not running: %s", task["id"], why)
        self._working = asyncio.create_task(self.work(task), name=f"task-{task['id']}")
        self._working.add_done_callback(self._work_done)

    def _work_done(self, job: asyncio.Task[None]) -> None:
        self._wake.set()  # look for the next task at once
        if not job.cancelled() and (error := job.exception()) is not None:
            log.error("work on a task failed: %r", error, exc_info=error)
            self._look_at_held = True

    async def heartbeat(self) -> None:
        """Tell the server we are alive; this also renews the lease of the task we hold."""
        budget = self.config.token_budget
        try:
            answer = await self.retry(
                "send a heartbeat", lambda: self.ops.runner_heartbeat(token_budget=budget)
            )
        except ServerRefused as error:
            if error.code in FATAL:
                raise
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

    async def work(self, task: Assignment) -> None:
        """Run the command on `task`, then submit it, or report the failed attempt."""
        self.current = task
        self._stop_work.clear()
        limit = (task.get("limits") or {}).get("max_run_seconds")
        log.info(
            "working on task #%s %r%s",
            task["id"],
            task["title"],
            f" (time limit {limit}s)" if limit else "",
        )
        repo, keep = self.config.worktree, self.config.keep_worktree
        try:
            async with task_workspace(repo, task["id"], task["title"], keep=keep) as place:
                output = OutputStream(self.ops, task["id"], self.config.output_interval)
                output.start()
                try:
                    outcome = await run_command(
                        self.config.command,
                        task,
                        lambda value, note: self.report(task["id"], value, note),
                        self._stop_work,
                        tail_lines=self.config.tail_lines,
                        grace=self.config.grace,
                        time_limit=float(limit) if limit else None,
                        started=self._command_started,
                        on_usage=lambda usage: send_usage(self.ops, task["id"], usage),
                        cwd=place.path,
                        on_output=output.add,
                    )
                except OSError as error:  # the command could not even start
                    outcome = WorkOutcome(127, "", f"cannot start the command: {error}")
                finally:
                    await output.close()  # the last lines reach the page before the hand-in
                summary = await place.summary(task["title"]) if outcome.succeeded else ""
            await self.hand_in(task["id"], outcome, limit, summary)
        except GitFailed as error:
            log.error("task #%s: %s", task["id"], error)
            reason = f"the runner could not prepare or read its git worktree: {error}"
            await self.retry("block", lambda: self.ops.runner_block_task(task["id"], reason[:2000]))
        finally:
            self.current = None
            self._command_group = None

    def _command_started(self, pgid: int) -> None:
        self._command_group = pgid

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

    async def hand_in(
        self, task_id: int, outcome: WorkOutcome, limit: int | None = None, summary: str = ""
    ) -> None:
        """Submit a success (with the worktree's summary); report a failure or a timeout as a
        failed attempt."""
        if outcome.exit_code is None and not outcome.timed_out:
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
                return
            if outcome.timed_out:
                tail = outcome.error_tail or outcome.output_tail or "(no output)"
                error = f"command ran past its time limit of {limit}s and was stopped: {tail}"
            else:
                tail = outcome.error_tail or outcome.output_tail or "(no output)"
                error = f"command exited with {outcome.exit_code}: {tail}"
            answer = await self.retry(
                "report the failed attempt",
                lambda: self.ops.runner_fail_attempt(task_id, error, outcome.timed_out),
            )
            failed = answer.fail_attempt
            log.info(
                "task #%s: attempt %s %s; task is now %s",
                task_id,
                failed.attempts,
                "timed out" if outcome.timed_out else f"failed (exit {outcome.exit_code})",
                failed.status.value.lower(),
            )
        except ServerRefused as error:
            log.warning("task #%s: the server refused the hand-in: %s", task_id, error)
            if error.code not in TASK_GONE:
                await self.release(
                    task_id, f"runner {self.config.name} could not hand it in: {error}"
                )

    async def release(self, task_id: int, reason: str) -> bool:
        """Give the task back to ready; False when the server would not take it back."""
        try:
            await self.ops.runner_release_task(task_id, reason=reason)
        except (ServerRefused, ServerUnreachable) as error:
            log.warning("task #%s: could not release it: %s", task_id, error)
            return False
        log.info("task #%s: released (%s)", task_id, reason)
        self._released.append(task_id)
        return True

    def request_stop(self, reason: str) -> None:
        """Called on SIGINT/SIGTERM: remember why; `run` winds down when its stop is set."""
        self.stopped_because = self.stopped_because or reason

    def kill_command(self) -> None:
        """SIGKILL the command's process group at once (the impatient second Ctrl-C)."""
        if self._command_group is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._command_group, signal.SIGKILL)

    async def _wind_down(self, *, release: bool) -> None:
        """Stop the command (TERM, then KILL after the grace) and release what we hold."""
        self._stop_work.set()
        if self._working is not None and not self._working.done():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._working
        if not release:
            return
        why = f" ({self.stopped_because})" if self.stopped_because else ""
        reason = f"runner {self.config.name} stopped{why}"
        # Offline first, so the router does not hand the released task straight back to us.
        try:
            await self.ops.runner_heartbeat(status=AgentStatus.OFFLINE, note=reason)
        except (ServerRefused, ServerUnreachable) as error:
            log.warning("could not say we are going offline: %s", error)
        try:
            held = await asyncio.wait_for(self._held_patiently(), RELEASE_PATIENCE)
        except TimeoutError:
            log.warning(
                "no answer in %.0fs; the lease of what we hold will expire", RELEASE_PATIENCE
            )
            return
        except ServerRefused as error:
            log.warning("could not ask which tasks we hold (%s); their leases will expire", error)
            return
        for task in held:
            await self.release(task["id"], reason)

    async def _held_patiently(self) -> list[Assignment]:
        return await self.retry("list held tasks", self._held)

    @property
    def released(self) -> list[int]:
        """Ids of the tasks this runner handed back."""
        return list(self._released)

    async def listen(self) -> None:
        """Follow the Events that concern this runner; reconnect with `since` after a drop."""
        delay = 0.5
        while True:
            try:
                stream = self.ops.runner_events(since=self._last_event, kinds=SUBSCRIBED)
                self._subscribed.set()
                async for message in stream:
                    delay = 0.5
                    self.on_event(message.events)
            except Exception as error:  # any drop: log it, reconnect, replay from the last id
                log.warning("event stream lost (%s); reconnecting in %.1fs", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.max_backoff)

    def on_event(self, event: RunnerEventsEvents) -> None:
        self._last_event = event.id
        kind, task_id, mine = event.kind, event.task_id, event.agent_name == self.config.name
        current = self.current["id"] if self.current else None
        if kind in STOPPING and task_id is not None and task_id == current:
            log.info("task #%s: %s; terminating the command", task_id, kind.value.lower())
            self._stop_work.set()
        if kind in APPROVAL_ENDS and task_id in self._approvals:
            decision = self._approvals[task_id]
            if not decision.done():
                decision.set_result(kind)
        if kind is EventKind.REJECTED and mine:
            log.info("task #%s: rejected by the operator; it comes back for rework", task_id)
            self._look_at_held = True
        if kind is EventKind.AGENT_UPDATED and mine:
            self._skills = None  # our skills may have changed: wake for anything until re-read
            asyncio.get_running_loop().create_task(self.learn_skills())
        if self._wakes(event, mine):
            self._wake.set()

    def _wakes(self, event: RunnerEventsEvents, mine: bool) -> bool:
        """Whether this Event may give this idle runner something to do now (or later)."""
        payload = event.payload if isinstance(event.payload, dict) else {}
        if not self._could_take(payload):
            return False
        retry_in = payload.get("retry_in_seconds")
        if isinstance(retry_in, int | float) and retry_in > 0:
            # A retried task is handed out only after its backoff: look again then.
            asyncio.get_running_loop().call_later(float(retry_in) + 0.05, self._wake.set)
            return False
        if event.kind in (EventKind.ASSIGNED, EventKind.AGENT_UPDATED, EventKind.REJECTED):
            return mine or event.agent_name is None
        if event.kind is EventKind.BUDGET_RESUMED:
            return mine or event.agent_name is None  # ours, or the board's budget
        if event.kind in WAKING:
            return True
        return event.to_status is TaskStatus.READY

    def _could_take(self, payload: dict[str, Any]) -> bool:
        """False when the Event says its ready task is assigned to another agent or needs a
        skill we lack (services/routing.py: ready_payload); when it does not say, maybe."""
        assignee, needs = payload.get("assignee"), payload.get("needs")
        if isinstance(assignee, str) and assignee != self.config.name:
            return False
        if isinstance(needs, list) and self._skills is not None:
            return set(needs) <= self._skills
        return True

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


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Return when one of `events` is set or after `timeout` seconds."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


__all__ = ["Runner", "RunnerConfig", "configure_logging"]
