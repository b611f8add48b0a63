"""The checked-in client operations (codegen/operations/*.graphql) work against a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from tests.support.factories import make_agent
from tests.support.graphql import GraphQLFailed, http_client, ws_client
from tests.support.server import ServerProcess

OPERATIONS = Path(__file__).resolve().parents[2] / "codegen" / "operations"
TASKS = (OPERATIONS / "tasks.graphql").read_text()
EVENTS = (OPERATIONS / "events.graphql").read_text()


async def call(client: Client, name: str, **variables: Any) -> Any:
    """Run the named operation of tasks.graphql; returns its single root field's value."""
    request = GraphQLRequest(TASKS, operation_name=name, variable_values=variables)
    try:
        async with client as session:
            data = await session.execute(request)
    except TransportQueryError as error:
        raise GraphQLFailed(error.errors or [{"message": str(error)}]) from None
    [value] = data.values()
    return value


async def test_every_task_operation_drives_a_task_through_the_whole_workflow(
    server: ServerProcess, operator: Client
) -> None:
    dev = http_client(server.graphql_url, await make_agent(operator, "dev"))
    ops = http_client(server.graphql_url, await make_agent(operator, "ops"))

    draft = await call(operator, "CreateTask", input={"title": "Rotate keys", "priority": None})
    assert draft["status"] == "INTAKE"
    task = await call(
        operator, "UpdateTask", id=draft["id"], input={"description": "all of them", "priority": 2}
    )
    assert task["status"] == "READY" and task["version"] > draft["version"]
    assert (await call(operator, "AssignTask", id=task["id"], agent="dev"))["assignee"] == "dev"

    claimed = await call(dev, "ClaimNextTask")
    assert claimed["outcome"] == "CLAIMED" and claimed["task"]["id"] == task["id"]
    assert (await call(dev, "ReportProgress", id=task["id"], progress=30))["progress"] == 30
    blocked = await call(dev, "BlockTask", id=task["id"], reason="waits for the vault")
    assert blocked["status"] == "BLOCKED" and blocked["blockReason"] == "waits for the vault"
    assert (await call(operator, "UnblockTask", id=task["id"]))["status"] == "READY"
    assert (await call(dev, "ClaimTask", id=task["id"]))["assignee"] == "dev"
    assert (await call(dev, "SubmitForReview", id=task["id"], result="v1"))["status"] == "REVIEW"
    rejected = await call(operator, "RejectTask", id=task["id"], feedback="also the backups")
    assert rejected["status"] == "IN_PROGRESS" and rejected["feedback"] == "also the backups"
    await call(dev, "SubmitForReview", id=task["id"], result="v2")
    done = await call(operator, "ApproveTask", id=task["id"], expectedVersion=None)
    assert done["status"] == "DONE" and done["result"] == "v2"

    other = await call(
        operator, "CreateTask", input={"title": "Tidy", "description": "x", "priority": 4}
    )
    await call(operator, "AssignTask", id=other["id"], agent="dev")
    assert (await call(operator, "AssignTask", id=other["id"], agent=None))["assignee"] is None
    await call(ops, "ClaimTask", id=other["id"])
    assert (await call(ops, "ReleaseTask", id=other["id"], reason="no time"))["status"] == "READY"
    moved = await call(operator, "TransitionTask", id=other["id"], to="BLOCKED", reason="later")
    assert moved["status"] == "BLOCKED"
    assert (await call(operator, "CancelTask", id=other["id"]))["status"] == "CANCELLED"

    assert (await call(operator, "Task", id=task["id"]))["status"] == "DONE"
    listed = await call(operator, "Tasks", where={"status": ["DONE"]})
    assert [t["id"] for t in listed["nodes"]] == [task["id"]] and listed["totalCount"] == 1
    board = {c["status"]: c["count"] for c in (await call(operator, "Board"))["columns"]}
    assert board["DONE"] == 1 and board["CANCELLED"] == 1 and sum(board.values()) == 2
    history = [e["kind"] for e in await call(operator, "TaskHistory", taskId=task["id"])]
    assert history == [
        "CREATED",
        "UPDATED",
        "TRIAGED",
        "ASSIGNED",
        "CLAIMED",
        "PROGRESS",
        "BLOCKED",
        "UNBLOCKED",
        "CLAIMED",
        "SUBMITTED",
        "REJECTED",
        "SUBMITTED",
        "APPROVED",
    ]

    # The Events subscription replays the same log, filtered to the task, over WebSocket.
    watcher = ws_client(server.ws_url, server.operator_token)
    received: list[str] = []
    async with watcher as session:
        request = GraphQLRequest(
            EVENTS, operation_name="Events", variable_values={"since": 0, "taskId": task["id"]}
        )
        stream = session.subscribe(request)
        for _ in history:
            received.append((await asyncio.wait_for(anext(stream), 10))["events"]["kind"])
        await stream.aclose()
    assert received == history
