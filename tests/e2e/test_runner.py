"""Real runner processes (`mission-control agent run`) against the real server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.runners import RunnerProcess, done_log, start_runner, wait_for_events
from tests.support.server import ServerProcess

TASK = "query($id: Int!) { task(id: $id) { status assignee result blockReason progress } }"


def kinds_for(events: list[dict], task_id: int) -> list[str]:
    return [e["kind"] for e in events if e["taskId"] == task_id]


async def test_runner_works_a_task_to_review_reporting_progress_with_the_output_as_result(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, title="Write the parser", tags=["python"])
    runners.append(start_runner(server, "dev", token))

    events = await asyncio.wait_for(
        wait_for_events(server, lambda seen: seen[-1]["kind"] == "SUBMITTED"), 30
    )

    assert kinds_for(events, task["id"])[-4:] == ["CLAIMED", "PROGRESS", "PROGRESS", "SUBMITTED"]
    state = (await run(operator, TASK, {"id": task["id"]}))["task"]
    assert state["status"] == "REVIEW" and state["assignee"] == "dev"
    assert "did Write the parser" in state["result"]
    assert state["progress"] == 100  # a submitted attempt is complete
    assert done_log(server) == [("dev", task["id"], "python")]


@pytest.fixture
def short_lease_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {"MC_LEASE_SECONDS": "5"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def test_a_runner_killed_mid_task_loses_it_after_the_lease_and_another_finishes_it(
    short_lease_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = short_lease_server
    operator = http_client(server.graphql_url, server.operator_token)
    first = await make_agent(operator, "first", ["python"])
    second = await make_agent(operator, "second", ["python"])
    task = await make_task(operator, tags=["python"])
    doomed = start_runner(server, "first", first, "--hang")
    runners.append(doomed)
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "PROGRESS"), 30)

    doomed.process.kill()  # SIGKILL: no goodbye, the lease is all the server has
    doomed.process.wait(5)
    runners.append(start_runner(server, "second", second))
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 40
    )

    holders = [(e["kind"], e["agentName"]) for e in events if e["taskId"] == task["id"]]
    assert ("LEASE_EXPIRED", "first") in holders
    assert holders.index(("LEASE_EXPIRED", "first")) < holders.index(("CLAIMED", "second"))
    assert holders[-1] == ("SUBMITTED", "second")
    assert done_log(server) == [("second", task["id"], "python")]


async def test_cancelling_the_task_terminates_the_command_and_the_runner_moves_on(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    stuck = await make_task(
        operator, title="Endless", description="#hang", priority=1, tags=["python"]
    )
    runners.append(start_runner(server, "dev", token))
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "PROGRESS"), 30)

    await run(
        operator,
        'mutation($id: Int!) { cancelTask(id: $id, reason: "not needed") { status } }',
        {"id": stuck["id"]},
    )
    follow_up = await make_task(operator, title="Next one", priority=2, tags=["python"])
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 30
    )

    assert events[-1]["taskId"] == follow_up["id"]
    assert "task #1: cancelled; terminating the command" in runners[0].log()
    assert (await run(operator, TASK, {"id": stuck["id"]}))["task"]["status"] == "CANCELLED"


async def test_runner_survives_a_server_restart_and_takes_work_afterwards(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    runners.append(start_runner(server, "dev", token))
    first = await make_task(operator, title="Before", tags=["python"])
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 30)

    server.stop()
    server.start()  # same port, same database
    second = await make_task(operator, title="After", tags=["python"])
    events = await asyncio.wait_for(
        wait_for_events(
            server, lambda s: s[-1]["kind"] == "SUBMITTED" and s[-1]["taskId"] == second["id"]
        ),
        60,
    )

    assert [e["taskId"] for e in events if e["kind"] == "SUBMITTED"] == [first["id"], second["id"]]
    assert "server unreachable" in runners[0].log() or "event stream lost" in runners[0].log()
    assert runners[0].process.poll() is None


async def test_heartbeats_keep_the_lease_of_a_long_quiet_command(
    short_lease_server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    server = short_lease_server  # lease 5 s; the command is silent for 8 s
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    task = await make_task(operator, description="#slow", tags=["python"])
    runners.append(start_runner(server, "dev", token, interval=1.0))

    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: s[-1]["kind"] == "SUBMITTED"), 40
    )

    assert "LEASE_EXPIRED" not in kinds_for(events, task["id"])
    assert done_log(server) == [("dev", task["id"], "python")]


async def test_operator_cancelling_the_agents_work_stops_the_command_and_frees_the_task(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    stuck = await make_task(operator, title="Wrong way", description="#hang", tags=["python"])
    runners.append(start_runner(server, "dev", token))
    await asyncio.wait_for(wait_for_events(server, lambda s: s[-1]["kind"] == "PROGRESS"), 30)

    released = await run(
        operator,
        'mutation { cancelAgentWork(name: "dev", reason: "try again") { id status } }',
    )
    assert released["cancelAgentWork"] == {"id": stuck["id"], "status": "READY"}
    # Free again, the runner picks the task back up: its first command was stopped.
    events = await asyncio.wait_for(
        wait_for_events(server, lambda s: [e["kind"] for e in s].count("CLAIMED") == 2), 30
    )

    kinds = kinds_for(events, stuck["id"])
    assert kinds.index("RELEASED") < len(kinds) - 1 - kinds[::-1].index("CLAIMED")
    assert f"task #{stuck['id']}: released; terminating the command" in runners[0].log()
    assert "command stopped; the task is no longer ours" in runners[0].log()
