"""Random interleavings of pickups and the operator's controls, over the real server, on SQLite
and PostgreSQL, checking the pickup rule's invariants after every step:

- no agent holds more tasks than its WIP limit;
- nothing is picked up while autonomy or the agent is paused, or in manual mode without the
  operator's grant, nor by an agent whose token was revoked;
- no task has two holders (every task in progress has one holder, claimed once);
- no task waiting on an open dependency is in progress.

Steps are batches: the operator's moves run alone; agents' moves in a batch run concurrently.
Seeded and bounded (`derandomize` in CI, so a CI run is reproducible).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gql import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.databases import database_url
from tests.support.factories import make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.server import ServerProcess

AGENTS = 3
TASKS = 6
WIP = (1, 1, 2)
EXAMPLES = int(os.environ.get("MC_PROPERTY_EXAMPLES", "12"))

BOARD = "{ tasks(first: 500) { nodes { id status assignee dependsOn } } agents { name wipLimit } }"

agent_move = st.one_of(
    st.tuples(st.just("claim_next"), st.integers(0, AGENTS - 1)),
    st.tuples(st.just("claim"), st.integers(0, AGENTS - 1), st.integers(0, TASKS - 1)),
    st.tuples(st.just("transition"), st.integers(0, AGENTS - 1), st.integers(0, TASKS - 1)),
    st.tuples(st.just("release"), st.integers(0, AGENTS - 1), st.integers(0, TASKS - 1)),
    st.tuples(st.just("submit"), st.integers(0, AGENTS - 1), st.integers(0, TASKS - 1)),
)
operator_move = st.one_of(
    st.tuples(st.just("pause_all"), st.booleans()),
    st.tuples(st.just("pause_agent"), st.integers(0, AGENTS - 1), st.booleans()),
    st.tuples(st.just("manual"), st.booleans()),
    st.tuples(st.just("assign"), st.integers(0, TASKS - 1), st.integers(-1, AGENTS - 1)),
    st.tuples(st.just("grant"), st.integers(0, 3)),
    st.tuples(st.just("approve"), st.integers(0, TASKS - 1)),
    st.tuples(st.just("reject"), st.integers(0, TASKS - 1)),
    st.tuples(st.just("revoke"), st.integers(0, AGENTS - 1)),
)
step = st.one_of(
    st.lists(agent_move, min_size=1, max_size=3).map(lambda moves: ("agents", moves)),
    operator_move.map(lambda move: ("operator", [move])),
)


@dataclass
class World:
    """One example's agents and tasks, and the model of the operator's switches."""

    server: ServerProcess
    operator: Client
    names: list[str]
    tokens: list[str]
    token_ids: list[int]
    task_ids: list[int]
    paused: bool = False
    paused_agents: set[str] = field(default_factory=set)
    manual: bool = False
    revoked: set[str] = field(default_factory=set)
    since: int = 0
    violations: list[str] = field(default_factory=list)


_ids = itertools.count()


async def new_world(server: ServerProcess, operator: Client) -> World:
    await run(operator, "mutation { setAutonomy(paused: false, mode: AUTO) { paused } }")
    round_ = next(_ids)
    names, tokens = [], []
    for n, wip in enumerate(WIP):
        name = f"a{round_}x{n}"
        token = (
            await run(
                operator,
                "mutation($n: String!, $w: Int!) "
                "{ registerAgent(name: $n, wipLimit: $w) { token } }",
                {"n": name, "w": wip},
            )
        )["registerAgent"]["token"]
        names.append(name)
        tokens.append(token)
    listed = (await run(operator, "{ tokens { id name } }"))["tokens"]
    token_ids = [next(t["id"] for t in listed if t["name"] == name) for name in names]
    task_ids = [(await make_task(operator, title=f"r{round_} t{n}"))["id"] for n in range(TASKS)]
    # A dependency chain on part of the tasks: t1 waits for t0, t3 for t2.
    for waiting, first in ((1, 0), (3, 2)):
        await run(
            operator,
            "mutation($t: Int!, $d: Int!) { addDependency(taskId: $t, dependsOn: $d) { id } }",
            {"t": task_ids[waiting], "d": task_ids[first]},
        )
    since = await _last_event_id(operator)
    return World(server, operator, names, tokens, token_ids, task_ids, since=since)


async def _last_event_id(operator: Client) -> int:
    after = 0
    while True:
        page = (
            await run(
                operator, "query($a: Int!) { events(after: $a, limit: 1000) { id } }", {"a": after}
            )
        )["events"]
        if not page:
            return after
        after = page[-1]["id"]


async def agent_act(world: World, move: tuple[Any, ...]) -> None:
    kind, who = move[0], move[1]
    name = world.names[who]
    client = http_client(world.server.graphql_url, world.tokens[who])  # one per call: concurrent
    task_id = world.task_ids[move[2]] if len(move) > 2 else None
    blocked_by = (
        "paused"
        if world.paused
        else "agent paused"
        if name in world.paused_agents
        else "revoked"
        if name in world.revoked
        else None
    )
    try:
        if kind == "claim_next":
            answer = (await run(client, "mutation { claimNextTask { outcome } }"))["claimNextTask"]
            took = answer["outcome"] == "CLAIMED"
        elif kind in ("claim", "transition"):
            query = (
                "mutation($id: Int!) { claimTask(id: $id) { id } }"
                if kind == "claim"
                else "mutation($id: Int!) { transitionTask(id: $id, to: IN_PROGRESS) { id } }"
            )
            await run(client, query, {"id": task_id})
            took = True
        elif kind == "release":
            await run(
                client, "mutation($id: Int!) { releaseTask(id: $id) { id } }", {"id": task_id}
            )
            took = False
        else:
            await run(
                client, "mutation($id: Int!) { submitForReview(id: $id) { id } }", {"id": task_id}
            )
            took = False
    except GraphQLFailed as error:
        if name in world.revoked and error.code != "UNAUTHENTICATED":
            world.violations.append(f"{name} revoked but answered {error.code}")
        return
    if name in world.revoked:
        world.violations.append(f"{name} acted ({kind}) after its token was revoked")
    if took and blocked_by:
        world.violations.append(f"{name} picked up a task while {blocked_by} ({kind})")
    if took and world.manual:
        world.violations.append(f"{name} picked up a task in manual mode without a grant ({kind})")


async def operator_act(world: World, move: tuple[Any, ...]) -> None:
    kind, op = move[0], world.operator
    try:
        if kind == "pause_all":
            await run(
                op, "mutation($p: Boolean!) { setAutonomy(paused: $p) { paused } }", {"p": move[1]}
            )
            world.paused = move[1]
        elif kind == "pause_agent":
            name = world.names[move[1]]
            verb = "pauseAgent" if move[2] else "resumeAgent"
            await run(op, f"mutation($n: String!) {{ {verb}(name: $n) {{ name }} }}", {"n": name})
            (world.paused_agents.add if move[2] else world.paused_agents.discard)(name)
        elif kind == "manual":
            mode = "MANUAL" if move[1] else "AUTO"
            await run(op, f"mutation {{ setAutonomy(mode: {mode}) {{ mode }} }}")
            world.manual = move[1]
        elif kind == "assign":
            agent = world.names[move[2]] if move[2] >= 0 else None
            await run(
                op,
                "mutation($id: Int!, $a: String) { assignTask(id: $id, agent: $a) { id } }",
                {"id": world.task_ids[move[1]], "a": agent},
            )
        elif kind == "grant":
            pending = (await run(op, "{ approvals { id agent } }"))["approvals"]
            mine = [a for a in pending if a["agent"] in world.names]
            if mine:
                chosen = mine[move[1] % len(mine)]
                await run(
                    op,
                    "mutation($id: Int!) { decideApproval(id: $id, approve: true) { status } }",
                    {"id": chosen["id"]},
                )
                blocked = world.paused or chosen["agent"] in world.paused_agents
                if blocked:
                    world.violations.append(f"a grant handed {chosen['agent']} a task while paused")
        elif kind == "approve":
            await run(
                op,
                "mutation($id: Int!) { approveTask(id: $id) { id } }",
                {"id": world.task_ids[move[1]]},
            )
        elif kind == "reject":  # rework counts toward the WIP limit too
            await run(
                op,
                'mutation($id: Int!) { rejectTask(id: $id, feedback: "again") { id } }',
                {"id": world.task_ids[move[1]]},
            )
        elif kind == "revoke":
            name = world.names[move[1]]
            if name not in world.revoked:
                await run(
                    op,
                    "mutation($id: Int!) { revokeToken(id: $id) { id } }",
                    {"id": world.token_ids[move[1]]},
                )
                world.revoked.add(name)
    except GraphQLFailed as error:
        if error.code in ("INTERNAL", None):
            world.violations.append(f"operator {kind}: {error.code} {error}")


async def check_invariants(world: World) -> None:
    board = await run(world.operator, BOARD)
    limits = {agent["name"]: agent["wipLimit"] for agent in board["agents"]}
    status = {task["id"]: task["status"] for task in board["tasks"]["nodes"]}
    held: dict[str, int] = {}
    for task in board["tasks"]["nodes"]:
        if task["status"] != "IN_PROGRESS":
            continue
        if task["assignee"] is None:
            world.violations.append(f"task #{task['id']} in progress without a holder")
            continue
        held[task["assignee"]] = held.get(task["assignee"], 0) + 1
        waiting = [dep for dep in task["dependsOn"] if status.get(dep) != "DONE"]
        if waiting:
            world.violations.append(f"task #{task['id']} in progress while waiting for {waiting}")
    for name, count in held.items():
        if count > limits.get(name, 0):
            world.violations.append(f"{name} holds {count}, over its WIP limit {limits[name]}")
    events = (
        await run(
            world.operator,
            "query($a: Int!) { events(after: $a, limit: 1000) { taskId kind toStatus } }",
            {"a": world.since},
        )
    )["events"]
    open_claims: dict[int, int] = {}
    for event in events:
        if event["kind"] == "CLAIMED" or (
            event["kind"] == "REJECTED" and event["toStatus"] == "IN_PROGRESS"
        ):
            open_claims[event["taskId"]] = open_claims.get(event["taskId"], 0) + 1
            if open_claims[event["taskId"]] > 1:
                world.violations.append(f"task #{event['taskId']} claimed twice without a release")
        elif event["kind"] in ("RELEASED", "SUBMITTED", "LEASE_EXPIRED", "CANCELLED", "BLOCKED"):
            open_claims.pop(event["taskId"], None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def property_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ServerProcess]:
    workdir = tmp_path
    async with database_url(request.param, workdir) as url:
        with ServerProcess(workdir=workdir, database_url=url) as server:
            yield server


@pytest.mark.slow
@pytest.mark.timeout(1200)
async def test_random_interleavings_keep_the_pickup_rule(property_server: ServerProcess) -> None:
    operator = http_client(property_server.graphql_url, property_server.operator_token)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a server run
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(steps=st.lists(step, min_size=4, max_size=14))
    def interleaving(steps: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        async def play() -> list[str]:
            world = await new_world(property_server, operator)
            for who, moves in steps:
                if who == "operator":
                    await operator_act(world, moves[0])
                else:
                    await asyncio.gather(*(agent_act(world, move) for move in moves))
                await check_invariants(world)
                if world.violations:
                    break
            return world.violations

        violations = asyncio.run(play())
        assert violations == [], violations

    # Hypothesis drives a synchronous function; each example runs its own event loop, in a
    # thread so it does not nest inside the test's loop.
    await asyncio.to_thread(interleaving)
