"""Decomposing tasks over the real server: the llm decomposer against a loopback endpoint,
and the outline decomposer that needs no network."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gql import Client

from tests.e2e.automation.chat_completions import HANG, ChatCompletions
from tests.support.factories import make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

DECOMPOSE = """
mutation($id: Int!, $preview: Boolean!) {
  decomposeTask(id: $id, preview: $preview) {
    task { id version }
    subtasks { title description priority tags dependsOn }
    created { id title status parentId dependsOn priority tags }
  }
}
"""
ACCEPT = """
mutation($id: Int!, $subtasks: [SubtaskInput!]!) {
  acceptDecomposition(id: $id, subtasks: $subtasks) {
    created { id title status parentId dependsOn }
  }
}
"""
SNAPSHOT = """
query($id: Int!) {
  task(id: $id) { id version status progress subtasks { id } }
  tasks { totalCount }
}
"""
PLAN = [
    {"title": "Design the schema", "description": "Tables", "priority": 2, "tags": ["db"]},
    {"title": "Write migrations", "description": "Both dialects", "depends_on": [0]},
    {"title": "Document it", "description": "README", "tags": ["docs"], "depends_on": [0, 1]},
]


async def snapshot(operator: Client, task_id: int) -> dict[str, Any]:
    return await run(operator, SNAPSHOT, {"id": task_id})


async def big_task(operator: Client) -> dict[str, Any]:
    return await make_task(operator, "Add persistence", "Store the board in a database", 2)


async def test_llm_proposal_previews_without_writing_then_creates_subtasks(
    llm_server: ServerProcess, llm: ChatCompletions
) -> None:
    operator = http_client(llm_server.graphql_url, llm_server.operator_token)
    task = await big_task(operator)
    llm.answer_with_subtasks(PLAN)
    llm.answer_with_subtasks(PLAN)
    before = await snapshot(operator, task["id"])

    preview = (await run(operator, DECOMPOSE, {"id": task["id"], "preview": True}))["decomposeTask"]
    assert [s["title"] for s in preview["subtasks"]] == [p["title"] for p in PLAN]
    assert preview["subtasks"][2]["dependsOn"] == [0, 1]
    assert preview["created"] == []
    assert await snapshot(operator, task["id"]) == before

    done = (await run(operator, DECOMPOSE, {"id": task["id"], "preview": False}))["decomposeTask"]
    schema, migrations, docs = done["created"]
    assert migrations["dependsOn"] == [schema["id"]]
    assert docs["dependsOn"] == [schema["id"], migrations["id"]]
    assert {c["parentId"] for c in done["created"]} == {task["id"]}
    assert [c["status"] for c in done["created"]] == ["READY", "INTAKE", "INTAKE"]
    after = await snapshot(operator, task["id"])
    assert [s["id"] for s in after["task"]["subtasks"]] == [c["id"] for c in done["created"]]

    request = llm.requests[-1]
    assert request["model"] == "local-test-model"
    assert request["response_format"] == {"type": "json_object"}
    assert "Store the board in a database" in request["messages"][-1]["content"]


async def test_llm_malformed_answer_is_asked_again_once(
    llm_server: ServerProcess, llm: ChatCompletions
) -> None:
    operator = http_client(llm_server.graphql_url, llm_server.operator_token)
    task = await big_task(operator)
    llm.answers.append("Sure! Here are the subtasks: 1. design 2. build")
    llm.answer_with_subtasks(PLAN[:1])

    done = (await run(operator, DECOMPOSE, {"id": task["id"], "preview": False}))["decomposeTask"]

    assert [c["title"] for c in done["created"]] == ["Design the schema"]
    assert len(llm.requests) == 2
    assert "The last answer was wrong" in llm.requests[1]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("answers", "said", "asked"),
    [
        pytest.param(["not json", '{"steps": ["a"]}'], "twice answered", 2, id="malformed-twice"),
        pytest.param(
            [json.dumps({"subtasks": [{"title": "A", "priority": 9}]})] * 2,
            "twice answered",
            2,
            id="invalid-priority",
        ),
        pytest.param([HANG], "did not answer within 1 s", 1, id="timeout"),
        pytest.param([500], "HTTP 500", 1, id="error-status"),
        pytest.param([401], "HTTP 401", 1, id="unauthorized"),
    ],
)
async def test_llm_failure_leaves_the_task_unchanged(
    llm_server: ServerProcess,
    llm: ChatCompletions,
    answers: list[str | int],
    said: str,
    asked: int,
) -> None:
    operator = http_client(llm_server.graphql_url, llm_server.operator_token)
    task = await big_task(operator)
    before = await snapshot(operator, task["id"])
    llm.answers.extend(answers)

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, DECOMPOSE, {"id": task["id"], "preview": False})

    assert failure.value.code == "UNAVAILABLE"
    assert said in str(failure.value)
    assert "the task is unchanged" in str(failure.value)
    assert len(llm.requests) == asked
    assert await snapshot(operator, task["id"]) == before


async def test_llm_proposal_with_a_dependency_cycle_counts_as_bad_output(
    llm_server: ServerProcess, llm: ChatCompletions
) -> None:
    operator = http_client(llm_server.graphql_url, llm_server.operator_token)
    task = await big_task(operator)
    before = await snapshot(operator, task["id"])
    cycle = [{"title": "A", "depends_on": [1]}, {"title": "B", "depends_on": [0]}]
    llm.answer_with_subtasks(cycle)
    llm.answer_with_subtasks(cycle)

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, DECOMPOSE, {"id": task["id"], "preview": False})

    assert failure.value.code == "UNAVAILABLE"
    assert "cycle" in str(failure.value)
    assert len(llm.requests) == 2
    assert await snapshot(operator, task["id"]) == before


async def test_outline_turns_numbered_steps_into_an_ordered_chain(
    server: ServerProcess, operator: Client
) -> None:
    description = (
        "Ship the release:\n1. Freeze the branch\n2. Run the tests\n3. Tag it\n"
        "Also:\n- [ ] update the changelog\n* tell the team\n"
    )
    task = await make_task(operator, "Release 1.2", description, 2, ["release"])

    done = (await run(operator, DECOMPOSE, {"id": task["id"], "preview": False}))["decomposeTask"]

    created = done["created"]
    assert [c["title"] for c in created] == [
        "Freeze the branch",
        "Run the tests",
        "Tag it",
        "update the changelog",
        "tell the team",
    ]
    ids = [c["id"] for c in created]
    assert [c["dependsOn"] for c in created] == [[], [ids[0]], [ids[1]], [], []]
    assert {(c["priority"], tuple(c["tags"])) for c in created} == {(2, ("release",))}
    assert {c["status"] for c in created} == {"READY"}


async def test_outline_refuses_a_description_without_a_list(
    server: ServerProcess, operator: Client
) -> None:
    task = await make_task(operator, "Think", "Just think about it for a while.", 3)
    before = await snapshot(operator, task["id"])

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, DECOMPOSE, {"id": task["id"], "preview": True})

    assert failure.value.code == "VALIDATION"
    assert await snapshot(operator, task["id"]) == before


async def test_operator_accepts_an_edited_proposal(server: ServerProcess, operator: Client) -> None:
    task = await make_task(operator, "Onboarding", "- accounts\n- laptop\n- intro call", 3)
    preview = (await run(operator, DECOMPOSE, {"id": task["id"], "preview": True}))["decomposeTask"]
    edited = [
        {**item, "title": item["title"].capitalize()}
        for item in preview["subtasks"]
        if item["title"] != "laptop"
    ]
    edited[1]["dependsOn"] = [0]

    created = (await run(operator, ACCEPT, {"id": task["id"], "subtasks": edited}))[
        "acceptDecomposition"
    ]["created"]

    assert [c["title"] for c in created] == ["Accounts", "Intro call"]
    assert created[1]["dependsOn"] == [created[0]["id"]]


async def test_an_edited_proposal_pointing_outside_itself_is_refused(
    server: ServerProcess, operator: Client
) -> None:
    task = await make_task(operator, "Onboarding", "- accounts", 3)
    before = await snapshot(operator, task["id"])
    bad = [{"title": "Accounts", "description": "x", "dependsOn": [4]}]

    with pytest.raises(GraphQLFailed) as failure:
        await run(operator, ACCEPT, {"id": task["id"], "subtasks": bad})

    assert failure.value.code == "VALIDATION"
    assert await snapshot(operator, task["id"]) == before
