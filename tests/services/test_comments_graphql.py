"""addComment, reopenTask and Task.comments through the schema, in-process: roles, codes and
one batched read of the comments for a whole list of tasks."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from starlette.requests import Request

from mission_control.bus import EventHub
from mission_control.bus.base import InMemoryBus
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.models import Comment
from mission_control.resolvers.context import GraphQLContext
from mission_control.schema.schema import build_schema
from mission_control.services.agents import issue_viewer_token, register_agent
from mission_control.settings import Settings
from mission_control.store import comments as comment_store
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore
from tests.support.databases import forget_cached_queries
from tests.support.factories import add_task
from tests.support.server import OPERATOR_TOKEN


class Api:
    def __init__(self, settings: Settings, ctx: Context, hub: EventHub) -> None:
        self.schema = build_schema(settings)
        self.ctx, self.hub = ctx, hub

    async def call(self, token: str, query: str, **variables: Any) -> Any:
        headers = [(b"authorization", f"Bearer {token}".encode())]
        context = GraphQLContext(
            services=self.ctx, hub=self.hub, request=Request({"type": "http", "headers": headers})
        )
        return await self.schema.execute(query, variable_values=variables, context_value=context)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=f"sqlite://{tmp_path / 'mc.db'}", operator_token=OPERATOR_TOKEN
    )
    await open_database(settings)
    try:
        hub = EventHub(DatabaseEventStore(), InMemoryBus())
        yield Api(settings, Context(settings, publisher=hub), hub)
    finally:
        await close_database()
        forget_cached_queries()


COMMENT = (
    "mutation($id: Int!, $body: String!) { addComment(taskId: $id, body: $body) { author body } }"
)


def code(result: Any) -> str:
    assert result.errors, result.data
    return str(result.errors[0].extensions["code"])


async def test_operator_and_holding_agent_comment_others_are_refused(api: Api) -> None:
    _, dev_token = await register_agent(api.ctx, OPERATOR, "dev")
    _, ops_token = await register_agent(api.ctx, OPERATOR, "ops")
    viewer = await issue_viewer_token(api.ctx, OPERATOR, "guest")
    task = await add_task(api.ctx)
    claimed = await api.call(dev_token, "mutation { claimNextTask { task { id } } }")
    assert claimed.data["claimNextTask"]["task"]["id"] == task.id

    said = await api.call(OPERATOR_TOKEN, COMMENT, id=task.id, body="Use last week's numbers")
    answered = await api.call(dev_token, COMMENT, id=task.id, body="Will do")
    assert said.errors is None and answered.errors is None
    assert answered.data["addComment"] == {"author": "agent:dev", "body": "Will do"}

    assert code(await api.call(ops_token, COMMENT, id=task.id, body="me too")) == "FORBIDDEN"
    assert code(await api.call(viewer, COMMENT, id=task.id, body="nice")) == "FORBIDDEN"
    assert code(await api.call(OPERATOR_TOKEN, COMMENT, id=9999, body="?")) == "NOT_FOUND"
    too_long = "x" * 4001
    assert code(await api.call(OPERATOR_TOKEN, COMMENT, id=task.id, body=too_long)) == "VALIDATION"
    assert await Comment.all().count() == 2

    read = await api.call(
        dev_token, "query($id: Int!) { task(id: $id) { comments { author body } } }", id=task.id
    )
    assert read.data["task"]["comments"] == [
        {"author": "operator", "body": "Use last week's numbers"},
        {"author": "agent:dev", "body": "Will do"},
    ]


async def test_comments_of_a_page_of_tasks_are_read_in_one_batch(api: Api) -> None:
    ids = [(await add_task(api.ctx, title=f"Task {n}")).id for n in range(5)]
    for task_id in ids:
        await api.call(OPERATOR_TOKEN, COMMENT, id=task_id, body=f"note on {task_id}")
    entered: list[FrameType] = []
    target = comment_store.comments_of.__code__

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is target and frame not in entered:
            entered.append(frame)

    sys.setprofile(profile)
    try:
        result = await api.call(
            OPERATOR_TOKEN, "{ tasks(first: 10) { nodes { id comments { body } } } }"
        )
    finally:
        sys.setprofile(None)

    assert result.errors is None, result.errors
    nodes = result.data["tasks"]["nodes"]
    assert {n["id"]: [c["body"] for c in n["comments"]] for n in nodes} == {
        task_id: [f"note on {task_id}"] for task_id in ids
    }
    assert len(entered) == 1, "one read for the comments of every task in the answer"


async def test_reopen_task_is_the_operators(api: Api) -> None:
    _, dev_token = await register_agent(api.ctx, OPERATOR, "dev")
    task = await add_task(api.ctx)
    cancel = "mutation($id: Int!) { cancelTask(id: $id) { status } }"
    assert (await api.call(OPERATOR_TOKEN, cancel, id=task.id)).errors is None
    reopen = 'mutation($id: Int!) { reopenTask(id: $id, reason: "again") { status } }'

    assert code(await api.call(dev_token, reopen, id=task.id)) == "FORBIDDEN"
    result = await api.call(OPERATOR_TOKEN, reopen, id=task.id)

    assert result.errors is None and result.data["reopenTask"] == {"status": "READY"}
    assert code(await api.call(OPERATOR_TOKEN, reopen, id=task.id)) == "INVALID_TRANSITION"
