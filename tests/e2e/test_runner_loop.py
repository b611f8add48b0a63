"""The loop never stalls: real runner processes against the real server, one test per stall of
issue 11 (rework, stop, failure, time limit, idle wake-up)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.runners import (
    RunnerProcess,
    done_log,
    start_runner,
    wait_for_events,
    wait_for_log,
)
from tests.support.server import ServerProcess

TASK = """
query($id: Int!) {
  task(id: $id) { status assignee result blockReason progress attempts feedback }
}
"""
REJECT = """
mutation($id: Int!, $feedback: String!) {
  rejectTask(id: $id, feedback: $feedback) { status assignee progress feedback }
}
"""
LIMITS = """
mutation($id: Int!, $attempts: Int, $seconds: Int) {
  setTaskLimits(id: $id, maxAttempts: $attempts, maxRunSeconds: $seconds) {
    limits { maxAttempts maxRunSeconds retryBackoffSeconds }
  }
}
"""
MAKE_READY = """
mutation($id: Int!) { updateTask(id: $id, input: {priority: 2, tags: ["python"]}) { status } }
"""
IDLE_FOR_TEN_MINUTES = 600.0


def of_task(events: list[dict[str, Any]], task_id: int) -> list[dict[str, Any]]:
    return [e for e in events if e["taskId"] == task_id]


def group_is_gone(server: ServerProcess, task_id: int) -> bool:
    """No process is left in the process group the command of `task_id` ran in."""
    pgid = int((server.workdir / f"group-{task_id}").read_text())
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def kill_group(server: ServerProcess, task_id: int) -> None:
    """Clean up after a failed assertion, so no test leaves a `sleep 300` behind."""
    path = server.workdir / f"group-{task_id}"
    if path.exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(path.read_text()), signal.SIGKILL)


async def test_a_rejected_task_is_run_again_with_the_feedback_and_submitted_again(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, title="Write the parser", tags=["python"])
    # A ten-minute heartbeat: only the REJECTED Event can bring the runner back this soon.
    runners.append(start_runner(server, "dev", token, interval=IDLE_FOR_TEN_MINUTES))
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 30)
    assert (await run(operator, TASK, {"id": task["id"]}))["task"]["progress"] == 100

    await run(
        operator,
        'mutation($id: Int!) { addComment(taskId: $id, body: "Mind the tabs") { id } }',
        {"id": task["id"]},
    )
    rejected = await run(operator, REJECT, {"id": task["id"], "feedback": "add tests"})
    assert rejected["rejectTask"] == {
        "status": "IN_PROGRESS",
        "assignee": "dev",
        "progress": 0,  # the new attempt's bar starts empty; the old one stays in the history
        "feedback": "add tests",
    }
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: [e["kind"] for e in s].count("SUBMITTED") == 2), 30
    )

    kinds = [e["kind"] for e in of_task(events, task["id"])]
    rework = kinds[kinds.index("REJECTED") :]
    assert rework == ["REJECTED", "PROGRESS", "PROGRESS", "SUBMITTED"], kinds
    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "REVIEW" and state["assignee"] == "dev"
    assert "addressed: add tests" in state["result"]
    assert "comment: operator: Mind the tabs" in state["result"], "the rework reads the comments"
    assert state["progress"] == 100
    assert done_log(server) == [("dev", task["id"], "python")] * 2
    assert "rework with the operator's feedback" in runners[0].log()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_a_stopped_runner_ends_the_command_group_releases_the_task_and_exits(
    server: ServerProcess, runners: list[RunnerProcess], sig: signal.Signals, code: int
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, title="Endless", description="#hang", tags=["python"])
    runner = start_runner(server, "dev", token)
    runners.append(runner)
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "PROGRESS"), 30)

    try:
        runner.process.send_signal(sig)
        exit_code = await asyncio.to_thread(runner.process.wait, 30)
        assert exit_code == code
        assert group_is_gone(server, task["id"])
    finally:
        kill_group(server, task["id"])

    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "READY" and state["assignee"] is None
    history = await run(
        operator, "query($id: Int!) { taskHistory(taskId: $id) { kind payload } }", task
    )
    released = [e for e in history["taskHistory"] if e["kind"] == "RELEASED"]
    assert [e["payload"]["reason"] for e in released] == [f"runner dev stopped ({sig.name})"]
    log = runner.log()
    assert "Traceback" not in log
    assert log.strip().splitlines()[-1] == (
        f"Runner dev stopped by {sig.name}; task #{task['id']} released to ready."
    )


@pytest.fixture
def supervised_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    """Three attempts, a one-second backoff: the retries come quickly."""
    env = {"MC_MAX_ATTEMPTS": "3", "MC_RETRY_BACKOFF_SECONDS": "1"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def test_a_command_that_always_fails_is_blocked_after_its_attempts_with_one_event_each(
    supervised_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = supervised_server
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, description="#fail please", tags=["python"])
    runners.append(start_runner(server, "dev", token, interval=IDLE_FOR_TEN_MINUTES))

    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "BLOCKED"), 60
    )

    mine = of_task(events, task["id"])
    failed = [e for e in mine if e["kind"] == "ATTEMPT_FAILED"]
    assert [e["payload"]["attempt"] for e in failed] == [1, 2, 3]
    assert all("the disk is full" in e["payload"]["error"] for e in failed)
    assert [e["kind"] for e in mine].count("CLAIMED") == 3
    retries = [e for e in mine if e["kind"] == "RELEASED"]
    assert [e["payload"]["retry_in_seconds"] for e in retries] == [1, 2]  # doubling backoff
    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "BLOCKED" and state["attempts"] == 3
    assert "attempt 3 of 3 failed; giving up" in state["blockReason"]
    assert "exited with 3" in state["blockReason"]
    assert "the disk is full" in state["blockReason"]
    assert done_log(server) == []


async def test_a_hanging_command_is_killed_at_its_time_limit_and_reported_as_a_timeout(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, title="Endless", description="#hang", priority=None)
    limits = await run(operator, LIMITS, {"id": task["id"], "attempts": 1, "seconds": 2})
    assert limits["setTaskLimits"]["limits"]["maxRunSeconds"] == 2
    ready = await run(operator, MAKE_READY, {"id": task["id"]})  # limits first, then pickup
    assert ready["updateTask"]["status"] == "READY"
    runners.append(start_runner(server, "dev", token))

    try:
        events = await asyncio.wait_for(
            wait_for_events(server, lambda s: s[-1]["kind"] == "BLOCKED"), 60
        )
        assert group_is_gone(server, task["id"])
    finally:
        kill_group(server, task["id"])

    [failed] = [e for e in of_task(events, task["id"]) if e["kind"] == "ATTEMPT_FAILED"]
    assert failed["payload"]["timed_out"] is True
    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "BLOCKED"
    assert "attempt 1 of 1 timed out" in state["blockReason"]
    assert "time limit of 2s" in state["blockReason"]


async def test_an_idle_runner_with_a_ten_minute_heartbeat_claims_a_new_fitting_task(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    runners.append(start_runner(server, "dev", token, interval=IDLE_FOR_TEN_MINUTES))
    beat = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "HEARTBEAT"), 30
    )

    task = await make_task(operator, title="Arrived later", tags=["python"])
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED", since=beat[-1]["id"]),
        30,
    )

    assert [e["kind"] for e in events].count("HEARTBEAT") == 0  # no second beat was needed
    claimed = [e for e in events if e["kind"] == "CLAIMED"]
    assert [(e["taskId"], e["agentName"]) for e in claimed] == [(task["id"], "dev")]


@pytest.fixture
def short_lease_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    """The shortest lease the settings allow, swept every half second."""
    env = {"MC_LEASE_SECONDS": "5", "MC_SWEEP_INTERVAL_SECONDS": "0.5"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def group_ends(server: ServerProcess, task_id: int, within: float) -> bool:
    """Whether the command group of `task_id` is gone within `within` seconds (the kernel's
    death signal and the guardian's kill take a moment after the runner dies)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if group_is_gone(server, task_id):
            return True
        await asyncio.sleep(0.05)
    return group_is_gone(server, task_id)


async def test_a_sigkilled_runner_takes_its_command_group_along_and_the_lease_frees_the_task(
    short_lease_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = short_lease_server
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    # A command that never looks at its runner and has a child `sleep 300` in its group.
    task = await make_task(operator, title="Endless", description="#stubborn", tags=["python"])
    runner = start_runner(server, "dev", token, interval=IDLE_FOR_TEN_MINUTES)
    runners.append(runner)
    started = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "PROGRESS"), 30
    )

    try:
        runner.process.send_signal(signal.SIGKILL)
        assert await asyncio.to_thread(runner.process.wait, 30) == -signal.SIGKILL
        assert await group_ends(server, task["id"], within=10)
    finally:
        kill_group(server, task["id"])

    events = await asyncio.wait_for(
        wait_for_events(
            server, lambda s: s[-1]["kind"] == "LEASE_EXPIRED", since=started[-1]["id"]
        ),
        30,
    )
    assert [(e["taskId"], e["agentName"]) for e in events[-1:]] == [(task["id"], "dev")]
    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "READY" and state["assignee"] is None


async def test_an_idle_runner_sleeps_through_ready_tasks_it_cannot_take(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "rusty", ["rust"])
    runner = start_runner(server, "rusty", token, interval=IDLE_FOR_TEN_MINUTES)
    runners.append(runner)
    await wait_for_log(runner, "nothing to do")  # its one claim at start
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "HEARTBEAT"), 30)

    for n in range(5):
        await make_task(operator, title=f"Python job {n}", tags=["python"])
    mine = await make_task(operator, title="Rust job", description="#slow", tags=["rust"])
    await asyncio.wait_for(
        wait_for_events(
            server, lambda s: s[-1]["kind"] == "CLAIMED" and s[-1]["taskId"] == mine["id"]
        ),
        30,
    )

    # The five python tasks' Events came first, in order, and asked it nothing: the only
    # claims it made are the one at start and the one that took its task.
    assert runner.log().count("nothing to do") == 1
