"""Subscribers keep nothing per delivered Event: object counts stay flat over 1,000 Events.

The server runs in this process (the real GraphQL endpoint, schema and hub under uvicorn on a
loopback port) so the test can count the live objects it holds; the subscribers are the real
gql client over WebSocket.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from gql import GraphQLRequest
from graphql.execution.collect_fields import CollectedFields

from mission_control.domain.actors import OPERATOR
from mission_control.schema.execution import shared_payloads
from mission_control.services.tasks import TaskDraft, create_task
from tests.support.graphql import ws_client
from tests.support.inprocess import serving
from tests.support.server import OPERATOR_TOKEN

EVENTS = "subscription { events { id kind taskId actor createdAt payload } }"
WARM_UP, MEASURED = 50, 1000


def live(kind: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is kind)


@pytest.mark.timeout(300)
async def test_delivered_events_leave_no_collected_fields_behind(tmp_path: Path) -> None:
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        runtime, url = server.runtime, server.ws_url
        counts: list[int] = []
        received: list[list[int]] = [[], []]
        warmed, counted = asyncio.Event(), asyncio.Event()

        async def subscriber(index: int) -> None:
            async with ws_client(url, OPERATOR_TOKEN) as session:
                stream = session.subscribe(GraphQLRequest(EVENTS))
                while len(received[index]) < WARM_UP + MEASURED:
                    result = await anext(stream)
                    received[index].append(result["events"]["id"])
                    if len(received[index]) == WARM_UP and index == 0:
                        warmed.set()
                # Still subscribed (the stream is held open) while the objects are counted.
                await counted.wait()
                await stream.aclose()

        async def both() -> None:
            await asyncio.gather(subscriber(0), subscriber(1))

        # The runtime's own followers (automation, ...) subscribe at start-up: wait for ours.
        own = runtime.hub.subscriber_count
        listening = asyncio.create_task(both())
        while runtime.hub.subscriber_count < own + 2:
            await asyncio.sleep(0.01)
        executions_before = shared_payloads.executions
        made = 0
        while any(len(seen) < WARM_UP + MEASURED for seen in received):
            await create_task(runtime.ctx, OPERATOR, TaskDraft(title=f"Task {made}"))
            made += 1
            if warmed.is_set() and not counts:
                counts.append(live(CollectedFields))
            if made % 50 == 0:
                await asyncio.sleep(0)
        counts.append(live(CollectedFields))
        counted.set()
        await listening

    assert received[0] == received[1], "both subscribers saw the same Events in order"
    assert received[0] == sorted(set(received[0])) and len(received[0]) == WARM_UP + MEASURED
    assert counts[1] - counts[0] < 20, f"CollectedFields grew {counts} over {MEASURED} Events"
    # The two identical subscriptions shared each payload's execution: one per Event made
    # (the hub delivers live Events itself, so the ones made while the test stopped reading
    # are executed too), not one per subscriber and Event.
    assert made >= WARM_UP + MEASURED
    assert shared_payloads.executions - executions_before <= made + 5
