"""Soak: 8 real runner processes work 500 tasks through a real server while things go wrong.

The mix (by task number): 6 in 10 succeed, 1 always fails (blocked after its attempts), 1 fails
once then succeeds, 1 hangs (stopped at the time limit on each attempt, then blocked), 1 is
rejected once by the operator and reworked with the feedback. Every few seconds a random
runner is killed with SIGKILL and started again a second later (as a supervisor would).
The operator approves every submission (after rejecting the reject-once tasks once).

It ends when every task is done or blocked, then checks: all tasks are there (nothing lost),
every blocked task has a reason, no task is held by a runner (none in progress). It prints
tasks/minute, and the worst time a ready task waited while a fitting runner was idle (its
baseline: the same wait computed for the first, undisturbed 20 tasks of the same run).

    .venv/bin/python -m bench.soak [tasks] [runners] [max seconds]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gql import Client, GraphQLRequest

from tests.support.factories import make_agent
from tests.support.graphql import GraphQLFailed, http_client, run, ws_client
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess

SKILLS = ("python", "docs")
WORK_SCRIPT = Path(__file__).with_name("soak_work.sh")
KILL_EVERY = 10.0  # seconds between SIGKILLs of a random runner
RESTART_AFTER = 1.0
SERVER_ENV = {
    "MC_MAX_ATTEMPTS": "2",
    "MC_RETRY_BACKOFF_SECONDS": "1",
    "MC_MAX_RUN_SECONDS": "3",
    "MC_LEASE_SECONDS": "30",
}
CREATE = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }
"""
EVENTS = """
subscription { events(since: 0) { id kind taskId agentName fromStatus toStatus payload } }
"""
ALL_TASKS = """
query($after: String) { tasks(first: 200, after: $after) {
  nodes { id status blockReason assignee } pageInfo { endCursor hasNextPage } } }
"""


def kind_of_task(n: int) -> str:
    return {6: "fail", 7: "fail-once", 8: "hang", 9: "reject-once"}.get(n % 10, "ok")


@dataclass
class Fleet:
    """The runner processes, started, killed and restarted by name."""

    server: ServerProcess
    tokens: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    alive: set[str] = field(default_factory=set)
    up: set[str] = field(default_factory=set)
    kills: int = 0

    def start(self, name: str) -> None:
        command = f"exec sh {WORK_SCRIPT}"
        env = clean_environment()
        env["AGENT_NAME"] = name
        log = (self.server.workdir / f"runner-{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [
                *(MISSION_CONTROL, "agent", "run", "--name", name, "--token", self.tokens[name]),
                *("--server", self.server.url, "--command", command, "--grace", "1"),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.alive.add(name)

    def kill(self, name: str) -> None:
        self.alive.discard(name)
        self.up.discard(name)  # up again only once the new process sends its first heartbeat
        self.processes[name].kill()
        self.processes[name].wait()
        self.kills += 1

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Board:
    """The board as the Event stream tells it, and the waits measured from it.

    A wait is a spell in which a runner is up (it has sent a heartbeat since it was started),
    holds nothing, and a ready task it fits is claimable (past its retry backoff); it ends when
    that runner claims something or the condition stops holding.
    """

    skill_of_task: dict[int, str]
    skill_of_agent: dict[str, str]
    fleet: Fleet
    ready_since: dict[int, float] = field(default_factory=dict)  # claimable from this time
    held: dict[str, set[int]] = field(default_factory=dict)
    spell: dict[str, float] = field(default_factory=dict)  # runner → start of its idle wait
    waits: list[tuple[str, float, int]] = field(default_factory=list)  # runner, wait, claims
    claims: int = 0
    finished: dict[int, str] = field(default_factory=dict)
    rejected: set[int] = field(default_factory=set)

    def waiting(self, name: str, now: float) -> bool:
        if name not in self.fleet.up or self.held.get(name):
            return False
        skill = self.skill_of_agent[name]
        return any(
            since <= now and self.skill_of_task[task_id] == skill
            for task_id, since in self.ready_since.items()
        )

    def tick(self, now: float) -> None:
        for name in self.skill_of_agent:
            if self.waiting(name, now):
                self.spell.setdefault(name, now)
            elif name in self.spell:
                self.waits.append((name, now - self.spell.pop(name), self.claims))

    def close(self, now: float) -> None:
        """End the spells still open (the run is over)."""
        for name, since in self.spell.items():
            self.waits.append((name, now - since, self.claims))
        self.spell.clear()

    def on_event(self, now: float, event: dict[str, Any]) -> None:
        task_id, kind, agent = event["taskId"], event["kind"], event["agentName"]
        if kind == "HEARTBEAT" and agent in self.fleet.alive:
            self.fleet.up.add(agent)
        if task_id is None or task_id not in self.skill_of_task:
            self.tick(now)
            return
        if event["toStatus"] == "READY":
            retry_in = (event["payload"] or {}).get("retry_in_seconds") or 0
            self.ready_since[task_id] = now + retry_in
        if event["fromStatus"] == "READY":
            self.ready_since.pop(task_id, None)
        if event["fromStatus"] == "IN_PROGRESS" or kind == "CANCELLED":
            for tasks in self.held.values():
                tasks.discard(task_id)
        if event["toStatus"] == "IN_PROGRESS" and agent:
            self.held.setdefault(agent, set()).add(task_id)
        if kind == "CLAIMED":
            self.claims += 1
        if kind in ("APPROVED", "BLOCKED"):
            self.finished[task_id] = kind
        self.tick(now)


async def operator_loop(server: ServerProcess, board: Board, kinds: dict[int, str]) -> None:
    """Follow every Event; approve submissions, rejecting the reject-once tasks once."""
    pending: set[asyncio.Task[Any]] = set()
    async with ws_client(server.ws_url, server.operator_token) as session:
        stream = session.subscribe(GraphQLRequest(EVENTS))
        async for result in stream:
            event = result["events"]
            board.on_event(time.perf_counter(), event)
            if event["kind"] == "SUBMITTED" and event["taskId"] in kinds:
                job = asyncio.create_task(
                    review(server.graphql_url, server.operator_token, board, kinds, event["taskId"])
                )
                pending.add(job)
                job.add_done_callback(pending.discard)
            if len(board.finished) == len(kinds):
                return


async def review(
    server_url: str, token: str, board: Board, kinds: dict[int, str], task_id: int
) -> None:
    if kinds[task_id] == "reject-once" and task_id not in board.rejected:
        board.rejected.add(task_id)
        mutation = 'mutation($id: Int!) { rejectTask(id: $id, feedback: "once more") { id } }'
    else:
        mutation = "mutation($id: Int!) { approveTask(id: $id) { id } }"
    try:  # a client of its own: reviews run concurrently, one gql Client serves one at a time
        await run(http_client(server_url, token), mutation, {"id": task_id})
    except GraphQLFailed as error:
        print(f"review of #{task_id} refused: {error}", file=sys.stderr)


async def ticker(board: Board, done: asyncio.Event) -> None:
    """Advance the wait clocks between Events too."""
    while not done.is_set():
        await asyncio.sleep(0.05)
        board.tick(time.perf_counter())


async def chaos(fleet: Fleet, done: asyncio.Event, rng: random.Random) -> None:
    """SIGKILL a random runner every few seconds; start it again a second later."""
    while not done.is_set():
        await asyncio.sleep(KILL_EVERY)
        if done.is_set():
            return
        name = rng.choice(sorted(fleet.alive))
        fleet.kill(name)
        try:
            await asyncio.sleep(RESTART_AFTER)
        finally:  # also at the end: a runner is never left dead holding its task
            fleet.start(name)


async def all_tasks(operator: Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await run(operator, ALL_TASKS, {"after": after}))["tasks"]
        found.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def soak(server: ServerProcess, tasks: int, runners: int, bound: float) -> int:
    rng = random.Random(11)
    operator = http_client(server.graphql_url, server.operator_token)
    names = [f"r{n}-{SKILLS[n % 2]}" for n in range(runners)]
    tokens = {name: await make_agent(operator, name, [name.split("-")[1]]) for name in names}
    fleet = Fleet(server, tokens)
    kinds: dict[int, str] = {}
    skill_of_task: dict[int, str] = {}

    async def create(n: int) -> None:
        kind, skill = kind_of_task(n), SKILLS[n % 2]
        description = {"fail": "#fail", "fail-once": "#fail-once", "hang": "#hang"}.get(kind, "do")
        task = {"title": f"{kind} {n}", "description": description, "priority": 3}
        client = http_client(server.graphql_url, server.operator_token)
        data = await run(client, CREATE, {"input": {**task, "tags": [skill]}})
        kinds[data["createTask"]["id"]] = kind
        skill_of_task[data["createTask"]["id"]] = skill

    for first in range(0, tasks, 10):  # ten at a time: the backlog is there before the runners
        await asyncio.gather(*(create(n) for n in range(first, min(first + 10, tasks))))
    board = Board(skill_of_task, {name: name.split("-")[1] for name in names}, fleet)
    done = asyncio.Event()
    start = time.perf_counter()
    for name in names:
        fleet.start(name)
    helpers = [
        asyncio.create_task(ticker(board, done)),
        asyncio.create_task(chaos(fleet, done, rng)),
    ]
    finished_in_time = True
    try:
        await asyncio.wait_for(operator_loop(server, board, kinds), bound)
    except TimeoutError:
        finished_in_time = False
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        for helper in helpers:
            helper.cancel()
        await asyncio.to_thread(fleet.stop_all)

    rows = await all_tasks(operator)
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    lost = set(kinds) - {row["id"] for row in rows}
    unexplained = [
        row["id"] for row in rows if row["status"] == "BLOCKED" and not row["blockReason"]
    ]
    held = [row["id"] for row in rows if row["status"] == "IN_PROGRESS"]
    open_ = [row["id"] for row in rows if row["status"] not in ("DONE", "BLOCKED")]
    expected_blocked = sum(kind in ("fail", "hang") for kind in kinds.values())
    board.close(start + elapsed)
    waits = [wait for _, wait, _ in board.waits]
    worst = max(board.waits, key=lambda w: w[1], default=("-", 0.0, 0))
    calm = max((wait for _, wait, claims in board.waits if claims < 20), default=0.0)
    median = statistics.median(waits) if waits else 0.0

    print(
        f"{tasks} tasks, {runners} runners, SQLite, {fleet.kills} runners SIGKILLed and restarted"
    )
    print(f"finished: {'yes' if finished_in_time else 'NO (bound reached)'} in {elapsed:.1f} s")
    print(f"statuses: {statuses} (expected blocked: {expected_blocked})")
    print(f"throughput: {len(board.finished) / (elapsed / 60):.1f} tasks/minute")
    print(
        f"worst wait of a ready task for an idle fitting runner: {worst[1] * 1000:.0f} ms "
        f"(runner {worst[0]}, after {worst[2]} claims); median {median * 1000:.0f} ms over "
        f"{len(waits)} idle spells; baseline, the same before the first 20 claims (no "
        f"SIGKILL yet): {calm * 1000:.0f} ms"
    )
    problems = []
    if lost:
        problems.append(f"lost tasks: {sorted(lost)}")
    if unexplained:
        problems.append(f"blocked without a reason: {unexplained}")
    if held:
        problems.append(f"still held by a runner: {held}")
    if open_:
        problems.append(f"neither done nor blocked: {open_}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    if not problems:
        print("checks: nothing lost, every blocked task has a reason, none held by a runner")
    return 1 if problems else 0


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    runners = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    bound = float(sys.argv[3]) if len(sys.argv) > 3 else 480.0
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir)
        server = ServerProcess(
            workdir=path, database_url=f"sqlite://{path / 'mc.db'}", env=SERVER_ENV
        ).start()
        try:
            code = asyncio.run(soak(server, tasks, runners, bound))
        finally:
            server.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
