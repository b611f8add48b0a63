"""An agent works the board through the MCP server, driven by the `mcp` SDK's own client, over
streamable HTTP at /mcp and over stdio (`mission-control mcp` as a subprocess)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, run
from tests.support.loop import last_event_id
from tests.support.mcp_client import TRANSPORTS, ToolRefused, call, mcp_session
from tests.support.runners import wait_for_events
from tests.support.server import ServerProcess

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


async def graphql_refusal(client: Client, query: str, variables: dict[str, Any]) -> GraphQLFailed:
    with pytest.raises(GraphQLFailed) as refused:
        await run(client, query, variables)
    return refused.value


async def test_agent_takes_a_task_from_next_to_review_and_the_operator_sees_it_live(
    server: ServerProcess, operator: Client, transport: str
) -> None:
    token = await make_agent(operator, "coder", ["python"])
    task = await make_task(operator, "Fix the parser", "It crashes on tabs", tags=["python"])
    since = await last_event_id(operator)
    kinds = {"CLAIMED", "PROGRESS", "SUBMITTED"}
    watching = asyncio.create_task(
        wait_for_events(
            server,
            lambda seen: kinds <= {e["kind"] for e in seen if e["taskId"] == task["id"]},
            since,
        )
    )

    async with mcp_session(server, token, transport) as agent:
        tools = {tool.name for tool in (await agent.list_tools()).tools}
        assert tools == {
            "next_task",
            "get_task",
            "report_progress",
            "submit_for_review",
            "block_task",
            "heartbeat",
        }
        claimed = await call(agent, "next_task")
        assert claimed["outcome"] == "CLAIMED"
        assert claimed["task"]["id"] == task["id"]
        assert claimed["task"]["assignee"] == "coder"
        progress = await call(
            agent, "report_progress", task_id=task["id"], progress=40, note="lexer"
        )
        assert progress["progress"] == 40
        beat = await call(agent, "heartbeat", note="still on the lexer")
        assert beat == {"name": "coder", "status": beat["status"], "paused": False}
        submitted = await call(
            agent, "submit_for_review", task_id=task["id"], result="tabs are spaces now"
        )
        assert submitted["status"] == "REVIEW"
        await run(
            operator,
            'mutation($id: Int!) { addComment(taskId: $id, body: "Add a test too") { id } }',
            {"id": task["id"]},
        )
        detail = await call(agent, "get_task", task_id=task["id"])
        assert detail["task"]["result"] == "tabs are spaces now"
        assert [(c["author"], c["body"]) for c in detail["task"]["comments"]] == [
            ("operator", "Add a test too")
        ]
        assert [line["kind"] for line in detail["history"]][-4:] == [
            "CLAIMED",
            "PROGRESS",
            "SUBMITTED",
            "COMMENTED",
        ]
        assert {"note": "lexer"}.items() <= detail["history"][-3].items()
        nothing = await call(agent, "next_task")
        assert nothing["outcome"] == "NOTHING"

    seen = await asyncio.wait_for(watching, 30)
    mine = [e for e in seen if e["taskId"] == task["id"] and e["kind"] in kinds]
    assert [e["kind"] for e in mine] == ["CLAIMED", "PROGRESS", "SUBMITTED"]
    assert {e["agentName"] for e in mine} == {"coder"}


async def test_refusals_are_tool_errors_with_the_graphql_code_and_sentence(
    server: ServerProcess, operator: Client, client_for: Any, transport: str
) -> None:
    token = await make_agent(operator, "coder")
    other_token = await make_agent(operator, "other")
    mine = await make_task(operator, "Mine")
    theirs = await make_task(operator, "Theirs")
    other = client_for(other_token)
    await run(other, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": theirs["id"]})
    await run(operator, 'mutation { pauseAgent(name: "coder") { paused } }')
    coder = client_for(token)
    progress = "mutation($id: Int!) { reportProgress(id: $id, progress: 10) { id } }"
    claim = "mutation($id: Int!) { claimTask(id: $id) { id } }"

    async with mcp_session(server, token, transport) as agent:
        with pytest.raises(ToolRefused) as paused:
            await call(agent, "next_task", task_id=mine["id"])
        expected = await graphql_refusal(coder, claim, {"id": mine["id"]})
        assert (paused.value.code, paused.value.sentence) == ("PAUSED", str(expected))
        assert expected.code == "PAUSED"
        waiting = await call(agent, "next_task")
        assert waiting == {"outcome": "NOTHING", "reason": "Agent coder is paused by the operator."}

        with pytest.raises(ToolRefused) as not_mine:
            await call(agent, "report_progress", task_id=theirs["id"], progress=10)
        expected = await graphql_refusal(coder, progress, {"id": theirs["id"]})
        assert (not_mine.value.code, not_mine.value.sentence) == ("FORBIDDEN", str(expected))

        with pytest.raises(ToolRefused) as blocked:
            await call(agent, "block_task", task_id=theirs["id"], reason="not mine")
        assert blocked.value.code == "FORBIDDEN"

    task_after = await run(
        operator, "query($id: Int!) { task(id: $id) { status assignee progress } }", theirs
    )
    assert task_after["task"] == {"status": "IN_PROGRESS", "assignee": "other", "progress": 0}

    async with mcp_session(server, "mca_not_a_token", transport) as stranger:
        with pytest.raises(ToolRefused) as unknown:
            await call(stranger, "next_task")
    expected = await graphql_refusal(client_for("mca_not_a_token"), claim, {"id": mine["id"]})
    assert (unknown.value.code, unknown.value.sentence) == ("UNAUTHENTICATED", str(expected))


async def test_operator_tools_board_resource_and_work_prompt(
    server: ServerProcess, operator: Client, transport: str
) -> None:
    token = await make_agent(operator, "coder", ["docs"])
    async with mcp_session(server, server.operator_token, transport, operator_tools=True) as op:
        created = await call(
            op,
            "create_task",
            title="Write the guide",
            description="For new",
            priority=2,
            tags=["docs"],
        )
        assert created["status"] == "READY"
        listed = await call(op, "list_tasks", status=["READY"], tag="docs")
        assert [t["id"] for t in listed["nodes"]] == [created["id"]]
        assert (await call(op, "pause"))["paused"] is True
        assert (await call(op, "pause", resume=True))["paused"] is False
        board = await op.read_resource("mission-control://board")
        text = board.contents[0].text  # type: ignore[union-attr]
        assert '"status":"READY","count":1' in text
        prompt = await op.get_prompt("work_task", {"task_id": str(created["id"])})
        assert f"get_task({created['id']})" in prompt.messages[0].content.text  # type: ignore[union-attr]

    async with mcp_session(server, token, transport) as agent:
        assert (await call(agent, "next_task"))["outcome"] == "CLAIMED"
        await call(agent, "submit_for_review", task_id=created["id"], result="guide.md")
        task = await agent.read_resource(f"mission-control://task/{created['id']}")
        assert '"result":"guide.md"' in task.contents[0].text  # type: ignore[union-attr]
        with pytest.raises(ToolRefused) as refused:
            await call(agent, "approve_task", task_id=created["id"])
        assert "approve_task" in refused.value.sentence  # not in the agent's tool set

    async with mcp_session(server, server.operator_token, transport, operator_tools=True) as op:
        rejected = await call(op, "reject_task", task_id=created["id"], feedback="add examples")
        assert rejected["status"] == "IN_PROGRESS"
        with pytest.raises(ToolRefused) as refused:
            await call(op, "reject_task", task_id=created["id"], feedback="again")
        assert refused.value.code == "INVALID_TRANSITION"
        wrong = f"Task #{created['id']} is not in review (it is in progress)"
        assert wrong in refused.value.sentence
