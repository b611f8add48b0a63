"""What one claimNextTask walks through, traced in-process from the GraphQL schema down.

The trace lists the package's files in the order their functions are first entered (a
coroutine resuming after an await is not a new entry; consecutive calls inside one file are one
stretch). What is asserted:

- the call descends the layers in order: schema/ → resolvers/ → services/ → store/ (each layer
  is first entered after the one above it), and bus/ is entered only once the write is done;
- resolvers/ is left for services/ once: up to the bus, between the first and last service file, no
  resolver or schema file is entered (one service call per resolver);
- no function of a lower layer calls one of a higher layer (no callback up: each call edge
  between two files of the package points down the layers or stays in one);
- the claim's statements come from one store module: up to the bus, the only store/ files
  entered are store/claims.py (the named SQL), store/journal.py and store/context.py (the
  change and its clock), besides the credential read of authentication;
- the number of re-entries (stretches minus distinct files) stays within CLAIM_PATH_REENTRIES,
  the figure of this layout; lower it as the path is straightened, never raise it.

Zero re-entries is not the goal (issue 10 asked for it): a claim alternates reads and
decisions by nature. It reads the agent's side of the rule (store/claims.py), lets the rule
gate it (domain/pickup.py), reads a candidate (store/claims.py), lets the rule judge it
(domain/pickup.py), then writes (store/claims.py); merging those reads would lock a candidate
for an agent the gate refuses, and merging the decisions into SQL would put the rule in two
places. So store/claims.py and domain/pickup.py are each entered up to three times, by the one
orchestrating service (services/claims.py), and never call each other or back up.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from starlette.requests import Request

import mission_control
from mission_control.bus import EventHub
from mission_control.bus.base import InMemoryBus
from mission_control.database import close_database, open_database
from mission_control.domain.actors import OPERATOR
from mission_control.resolvers.context import GraphQLContext
from mission_control.schema.schema import build_schema
from mission_control.services.agents import register_agent
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.settings import Settings
from mission_control.store.context import Context
from mission_control.store.event_log import DatabaseEventStore
from tests.support.databases import forget_cached_queries
from tests.support.inprocess import StatementLog

PACKAGE = Path(mission_control.__file__).resolve().parent
# Measured: 16 re-entries of 40 stretches before the restructure, 18 of 42 after it, 42 of 71
# once the one pickup rule (issue 12) and the budget check (issue 11) ran on every claim: the
# pickup facts are loaded for the candidate and again inside the claim move; 27 of 57 once
# they are loaded once (services/pickup.py: load_agent_side) and the credential comes from the
# process's cache; 15 of 41 with the claim's SQL in store/claims.py and the agent's side of the
# rule built in domain/pickup.py (services/claims.py → store → domain → store → domain → store).
CLAIM_PATH_REENTRIES = 15
LAYERS = ("schema", "resolvers", "services", "store")
# The layers from the top (docs/architecture.md); a call may only go right or stay.
ORDER = ("schema", "resolvers", "runtime", "services", "store", "bus", "settings")
RANK = {name: rank for rank, name in enumerate(ORDER)}
RANK |= {"models": RANK["bus"], "domain": len(ORDER)}
CLAIM_STORE = {"store/claims.py", "store/journal.py", "store/context.py", "store/credentials.py"}


@dataclass
class Trace:
    """Files in the order their functions are first entered, and who called whom."""

    stretches: list[str] = field(default_factory=list)
    calls: set[tuple[str, str]] = field(default_factory=set)  # (caller's file, callee's file)


@pytest.fixture
async def ready(tmp_path: Path) -> AsyncIterator[tuple[Settings, Context, EventHub, str]]:
    settings = Settings(database_url=f"sqlite://{tmp_path / 'mc.db'}")
    await open_database(settings)
    try:
        hub = EventHub(DatabaseEventStore(), InMemoryBus())
        ctx = Context(settings, publisher=hub)
        _, token = await register_agent(ctx, OPERATOR, "dev")
        await create_task(ctx, OPERATOR, TaskDraft(title="Fix it", description="now", priority=1))
        yield settings, ctx, hub, token
    finally:
        await close_database()
        forget_cached_queries()


def _file(frame: FrameType | None) -> str | None:
    if frame is None:
        return None
    path = Path(frame.f_code.co_filename)
    return path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else None


async def trace_claim(settings: Settings, ctx: Context, hub: EventHub, token: str) -> Trace:
    schema = build_schema(settings)
    request = Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})
    context = GraphQLContext(services=ctx, hub=hub, request=request)
    trace = Trace()
    stretches = trace.stretches
    started: set[FrameType] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame in started:
            return
        started.add(frame)
        name = _file(frame)
        if name is not None:
            caller = _file(frame.f_back)  # a coroutine's first step: the frame awaiting it
            if caller is not None and caller != name:
                trace.calls.add((caller, name))
            if not stretches or stretches[-1] != name:
                stretches.append(name)

    sys.setprofile(profile)
    try:
        result = await schema.execute(
            "mutation { claimNextTask { outcome task { title } } }", context_value=context
        )
    finally:
        sys.setprofile(None)
    assert result.errors is None, result.errors
    assert result.data == {"claimNextTask": {"outcome": "CLAIMED", "task": {"title": "Fix it"}}}
    return trace


def layer(name: str) -> str:
    return name.split("/", 1)[0]


async def test_a_claim_descends_the_layers_and_calls_one_service(
    ready: tuple[Settings, Context, EventHub, str],
) -> None:
    trace = await trace_claim(*ready)
    stretches = trace.stretches
    layers = [layer(name) for name in stretches]

    firsts = [layers.index(name) for name in LAYERS]
    assert firsts == sorted(firsts), stretches
    assert layers.index("bus") > max(i for i, name in enumerate(layers) if name == "store")

    # The write ends where the bus is entered; the Task type's field resolvers that run after
    # it (per-row service calls, the DataLoader work of issue 10) are not part of the call.
    write = layers[: layers.index("bus")]
    first_service = write.index("services")
    last_service = max(i for i, name in enumerate(write) if name == "services")
    between = set(layers[first_service : last_service + 1])
    assert not between & {"schema", "resolvers"}, stretches

    reentries = len(stretches) - len(set(stretches))
    assert reentries <= CLAIM_PATH_REENTRIES, " -> ".join(stretches)


async def test_a_claim_never_calls_back_up_and_reads_through_one_store_module(
    ready: tuple[Settings, Context, EventHub, str],
) -> None:
    trace = await trace_claim(*ready)

    up = {
        (caller, callee)
        for caller, callee in trace.calls
        if RANK[layer(callee)] < RANK[layer(caller)]
    }
    assert not up, up
    write = trace.stretches[: [layer(name) for name in trace.stretches].index("bus")]
    stores = {name for name in write if layer(name) == "store"}
    assert stores <= CLAIM_STORE, stores
    # The one orchestrator: every call into store/claims.py and domain/pickup.py on the claim
    # comes from a service, never from each other.
    assert ("store/claims.py", "domain/pickup.py") not in trace.calls
    assert ("domain/pickup.py", "store/claims.py") not in trace.calls


# Statements of one claimNextTask through the schema on SQLite, the agent's token already
# cached (store/claims.py): the agent and its pickup facts; the candidate; the claim's write
# (UPDATE ... RETURNING); its Event. Was 21, then 8 with the facts read by the ORM.
CLAIM_STATEMENTS = 4


async def claim_statements(settings: Settings, ctx: Context, hub: EventHub, token: str) -> int:
    schema = build_schema(settings)
    request = Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})
    query = "mutation { claimNextTask { outcome task { id } } }"
    log = StatementLog()
    with log.recording() as statements:
        result = await schema.execute(query, context_value=GraphQLContext(ctx, hub, request))
    assert result.errors is None, result.errors
    assert result.data is not None and result.data["claimNextTask"]["outcome"] == "CLAIMED"
    return len(statements)


@pytest.mark.parametrize("backlog", [3, 300])
async def test_a_claim_issues_a_few_statements_whatever_the_backlog(
    ready: tuple[Settings, Context, EventHub, str], backlog: int
) -> None:
    settings, ctx, hub, _ = ready
    _, token = await register_agent(ctx, OPERATOR, "fleet", [], 10)
    for n in range(backlog):
        await create_task(ctx, OPERATOR, TaskDraft(title=f"T{n}", description="x", priority=3))
    await claim_statements(settings, ctx, hub, token)  # reads the token; then from the cache

    counted = [await claim_statements(settings, ctx, hub, token) for _ in range(3)]

    assert counted == [CLAIM_STATEMENTS] * 3
