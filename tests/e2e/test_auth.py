"""Every mutation refuses callers without the right: no token or a wrong one is
UNAUTHENTICATED; a viewer, an agent acting on another agent's claim or on operator business,
and the operator doing an agent's job are FORBIDDEN; and nothing changes in any case."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

NO_TOKEN, WRONG_TOKEN, VIEWER, OPERATOR = "no token", "wrong token", "viewer", "operator"
DEV, OPS = "dev", "ops"  # dev holds task `held`; ops submitted `review` and asked for `reserved`


@dataclass
class World:
    server: ServerProcess
    tokens: dict[str, str | None]
    ids: dict[str, int]


async def _build(server: ServerProcess) -> World:
    operator = http_client(server.graphql_url, server.operator_token)
    tokens: dict[str, str | None] = {
        NO_TOKEN: None,
        WRONG_TOKEN: "mca_this_is_not_a_token",
        OPERATOR: server.operator_token,
        DEV: await make_agent(operator, DEV, ["python"]),
        OPS: await make_agent(operator, OPS, ["python"]),
    }
    viewer = await run(operator, 'mutation { issueViewerToken(name: "klein") }')
    tokens[VIEWER] = viewer["issueViewerToken"]
    dev, ops = (http_client(server.graphql_url, tokens[name]) for name in (DEV, OPS))
    ids = {name: (await make_task(operator, title=name))["id"] for name in ("held", "review")}
    await run(dev, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": ids["held"]})
    await run(ops, "mutation($id: Int!) { claimTask(id: $id) { id } }", {"id": ids["review"]})
    await run(ops, "mutation($id: Int!) { submitForReview(id: $id) { id } }", {"id": ids["review"]})
    ids["blocked"] = (await make_task(operator, title="blocked"))["id"]
    await run(
        operator,
        'mutation($id: Int!) { blockTask(id: $id, reason: "waits for a key") { id } }',
        {"id": ids["blocked"]},
    )
    await run(operator, "mutation { setAutonomy(mode: MANUAL) { mode } }")
    ids["reserved"] = (await make_task(operator, title="reserved"))["id"]
    ids["ready"] = (await make_task(operator, title="ready"))["id"]
    asked = await run(ops, "mutation { claimNextTask { outcome approvalId task { id } } }")
    assert asked["claimNextTask"]["task"]["id"] == ids["reserved"]
    ids["approval"] = asked["claimNextTask"]["approvalId"]
    await run(operator, "mutation { setAutonomy(mode: AUTO) { mode } }")
    return World(server, tokens, ids)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One server for the whole table: the cases only read, or are refused."""
    workdir = tmp_path_factory.mktemp("auth")
    server = ServerProcess(workdir=workdir, database_url=f"sqlite://{workdir / 'mc.db'}").start()
    try:
        yield asyncio.run(_build(server))
    finally:
        server.stop()


# mutation name -> (operation, variables from the ids, callers refused with FORBIDDEN)
TABLE: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "createTask": (
        'mutation { createTask(input: {title: "x", description: "y", priority: 1}) { id } }',
        {},
        (VIEWER, DEV),
    ),
    "updateTask": (
        'mutation($held: Int!) { updateTask(id: $held, input: {title: "z"}) { id } }',
        {"held": "held"},
        (VIEWER, DEV),
    ),
    "transitionTask": (
        "mutation($held: Int!) { transitionTask(id: $held, to: REVIEW) { id } }",
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "blockTask": (
        'mutation($held: Int!) { blockTask(id: $held, reason: "r") { id } }',
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "unblockTask": (
        "mutation($blocked: Int!) { unblockTask(id: $blocked) { id } }",
        {"blocked": "blocked"},
        (VIEWER, DEV),
    ),
    "claimTask": (
        "mutation($ready: Int!) { claimTask(id: $ready) { id } }",
        {"ready": "ready"},
        (VIEWER, OPERATOR),
    ),
    "claimNextTask": ("mutation { claimNextTask { outcome } }", {}, (VIEWER, OPERATOR)),
    "addDependency": (
        "mutation($held: Int!, $ready: Int!) { addDependency(taskId: $ready, dependsOn: $held)"
        " { id } }",
        {"held": "held", "ready": "ready"},
        (VIEWER, DEV),
    ),
    "removeDependency": (
        "mutation($held: Int!, $ready: Int!) "
        "{ removeDependency(taskId: $ready, dependsOn: $held) { id } }",
        {"held": "held", "ready": "ready"},
        (VIEWER, DEV),
    ),
    "decomposeTask": (
        "mutation($ready: Int!) { decomposeTask(id: $ready) { __typename } }",
        {"ready": "ready"},
        (VIEWER, DEV),
    ),
    "acceptDecomposition": (
        'mutation($ready: Int!) { acceptDecomposition(id: $ready, subtasks: [{title: "a"}])'
        " { __typename } }",
        {"ready": "ready"},
        (VIEWER, DEV),
    ),
    "reportProgress": (
        "mutation($held: Int!) { reportProgress(id: $held, progress: 50) { id } }",
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "submitForReview": (
        "mutation($held: Int!) { submitForReview(id: $held) { id } }",
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "reportUsage": (
        "mutation($held: Int!) { reportUsage(id: $held, usage: {tokens: 5}) { id } }",
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "setAgentBudget": (
        'mutation { setAgentBudget(name: "dev", tokens: 5) { tokensPerDay } }',
        {},
        (VIEWER, OPS, DEV),
    ),
    "approveTask": (
        "mutation($review: Int!) { approveTask(id: $review) { id } }",
        {"review": "review"},
        (VIEWER, OPS, DEV),
    ),
    "rejectTask": (
        'mutation($review: Int!) { rejectTask(id: $review, feedback: "f") { id } }',
        {"review": "review"},
        (VIEWER, OPS),
    ),
    "cancelTask": (
        "mutation($held: Int!) { cancelTask(id: $held) { id } }",
        {"held": "held"},
        (VIEWER, OPS, DEV),
    ),
    "releaseTask": (
        "mutation($held: Int!) { releaseTask(id: $held) { id } }",
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "assignTask": (
        'mutation($ready: Int!) { assignTask(id: $ready, agent: "ops") { id } }',
        {"ready": "ready"},
        (VIEWER, OPS),
    ),
    "registerAgent": ('mutation { registerAgent(name: "eve") { token } }', {}, (VIEWER, DEV)),
    "heartbeat": ("mutation { heartbeat(tokenBudget: 5) { name } }", {}, (VIEWER, OPERATOR)),
    "reportOutput": (
        'mutation($held: Int!) { reportOutput(taskId: $held, chunk: "hello") { lines } }',
        {"held": "held"},
        (VIEWER, OPS, OPERATOR),
    ),
    "addComment": (
        'mutation($held: Int!) { addComment(taskId: $held, body: "looks done") { id } }',
        {"held": "held"},
        (VIEWER, OPS),  # an agent comments only on a task it holds or is assigned
    ),
    "reopenTask": (
        "mutation($review: Int!) { reopenTask(id: $review) { id } }",
        {"review": "review"},
        (VIEWER, DEV, OPS),
    ),
    "pauseAgent": ('mutation { pauseAgent(name: "dev") { name } }', {}, (VIEWER, DEV, OPS)),
    "resumeAgent": ('mutation { resumeAgent(name: "dev") { name } }', {}, (VIEWER, OPS)),
    "setAutonomy": ("mutation { setAutonomy(paused: true) { paused } }", {}, (VIEWER, DEV)),
    "decideApproval": (
        "mutation($approval: Int!) { decideApproval(id: $approval, approve: true) { id } }",
        {"approval": "approval"},
        (VIEWER, OPS),
    ),
    "cancelAgentWork": (
        'mutation { cancelAgentWork(name: "dev") { id } }',
        {},
        (VIEWER, OPS, DEV),
    ),
    "issueViewerToken": ('mutation { issueViewerToken(name: "eve") }', {}, (VIEWER, DEV)),
    "failAttempt": (
        'mutation($held: Int!) { failAttempt(id: $held, error: "x", timedOut: false) { id } }',
        {"held": "held"},
        (VIEWER, OPS),
    ),
    "setTaskLimits": (
        "mutation($ready: Int!) { setTaskLimits(id: $ready, maxAttempts: 9) { id } }",
        {"ready": "ready"},
        (VIEWER, DEV, OPS),
    ),
    "issueToken": (
        'mutation { issueToken(name: "eve", role: OPERATOR) { token } }',
        {},
        (VIEWER, OPS, DEV),
    ),
    "revokeToken": ("mutation { revokeToken(id: 1) { id } }", {}, (VIEWER, OPS, DEV)),
    "rotateToken": ("mutation { rotateToken(id: 1) { token } }", {}, (VIEWER, OPS, DEV)),
    "registerWebhook": (
        'mutation { registerWebhook(url: "http://127.0.0.1:9/hook") { secret } }',
        {},
        (VIEWER, DEV),
    ),
    "replayWebhookDeliveries": (
        "mutation { replayWebhookDeliveries(webhookId: 1) }",
        {},
        (VIEWER, DEV),
    ),
    "removeWebhook": ("mutation { removeWebhook(id: 1) }", {}, (VIEWER, DEV)),
}

CASES = [
    pytest.param(name, caller, code, id=f"{name}-{caller}")
    for name, (_, _, forbidden) in TABLE.items()
    for caller, code in [
        (NO_TOKEN, "UNAUTHENTICATED"),
        (WRONG_TOKEN, "UNAUTHENTICATED"),
        *((who, "FORBIDDEN") for who in forbidden),
    ]
]

SNAPSHOT = """
{
  events(after: 0, limit: 1000) { id }
  tasks(first: 100) { nodes { id version status assignee progress title comments { id } } }
  agents { name paused tokenBudget lastHeartbeatAt note outputTail outputTaskId }
  approvals(status: null) { id status }
  autonomy { paused mode }
  webhooks { id failures }
}
"""


async def snapshot(world: World) -> dict[str, Any]:
    return await run(http_client(world.server.graphql_url, world.server.operator_token), SNAPSHOT)


def test_the_table_covers_every_mutation_of_the_schema() -> None:
    from mission_control.schema.schema import Mutation

    fields = Mutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
    exposed = {field.graphql_name or _camel(field.python_name) for field in fields}
    assert exposed == set(TABLE)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize(("mutation", "caller", "code"), CASES)
async def test_a_caller_without_the_right_is_refused_and_nothing_changes(
    world: World, mutation: str, caller: str, code: str
) -> None:
    operation, variables, _ = TABLE[mutation]
    values = {key: world.ids[ref] for key, ref in variables.items()}
    before = await snapshot(world)
    client = http_client(world.server.graphql_url, world.tokens[caller])
    with pytest.raises(GraphQLFailed) as refused:
        await run(client, operation, values)
    assert refused.value.code == code, refused.value.errors
    assert await snapshot(world) == before


async def test_the_snapshot_sees_a_change_that_is_allowed(world: World) -> None:
    """The control case: the same snapshot does change when the right caller acts."""
    before = await snapshot(world)
    dev = http_client(world.server.graphql_url, world.tokens[DEV])
    await run(dev, "mutation { heartbeat(tokenBudget: 5) { name } }")
    after = await snapshot(world)
    assert after != before
    assert [a["tokenBudget"] for a in after["agents"] if a["name"] == DEV] == [5]


async def test_a_viewer_reads_the_board_agents_and_approvals(world: World) -> None:
    viewer = http_client(world.server.graphql_url, world.tokens[VIEWER])
    seen = await run(
        viewer,
        "{ me agents { name } approvals { id agent } autonomy { mode } task(id: 1) { id } }",
    )
    assert seen["me"] == "klein"
    assert [a["name"] for a in seen["agents"]] == [DEV, OPS]
    assert seen["approvals"] == [{"id": world.ids["approval"], "agent": OPS}]
