"""/metrics on a real server: Prometheus' text format, operators only unless made public."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gql import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.support.factories import make_agent, make_task
from tests.support.graphql import http_client, run
from tests.support.server import ServerProcess


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(server: ServerProcess, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as http:
        return await http.get(f"{server.url}/metrics", headers=headers)


async def test_operator_scrape_matches_the_board_and_the_event_log(
    server: ServerProcess, operator: Client
) -> None:
    agent = http_client(server.graphql_url, await make_agent(operator, "dev"))
    done = await make_task(operator, "ship it")
    held = await make_task(operator, "in hand")
    await make_task(operator, "waits", description="", priority=None)  # incomplete: intake
    await make_task(operator, "ready one")
    claim = "mutation($id: Int!) { claimTask(id: $id) { id } }"
    await run(agent, claim, {"id": done["id"]})
    await run(
        agent,
        'mutation($id: Int!) { submitForReview(id: $id, result: "ok") { id } }',
        {"id": done["id"]},
    )
    await run(operator, "mutation($id: Int!) { approveTask(id: $id) { id } }", {"id": done["id"]})
    await run(agent, claim, {"id": held["id"]})

    response = await scrape(server, server.operator_token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    figures = samples(response.text)
    board = await run(operator, "{ board(perColumn: 1) { columns { status count } } }")
    for column in board["board"]["columns"]:
        status = column["status"].lower()
        assert figures[("mission_control_tasks", (("status", status),))] == column["count"]
    assert figures[("mission_control_claims_total", ())] == 2
    assert figures[("mission_control_tasks_done_total", ())] == 1
    assert figures[("mission_control_lease_expiries_total", ())] == 0
    assert figures[("mission_control_attempt_failures_total", ())] == 0
    agents = {labels: value for (name, labels), value in figures.items() if name.endswith("agents")}
    assert sum(agents.values()) == 1 and len(agents) == 5  # every status, zero or not
    assert ("mission_control_cycle_time_seconds", (("agent", "dev"),)) in figures


async def test_viewers_and_anonymous_callers_are_refused(
    server: ServerProcess, operator: Client
) -> None:
    issued = await run(operator, 'mutation { issueToken(name: "watcher", role: VIEWER) { token } }')
    viewer = issued["issueToken"]["token"]
    assert (await scrape(server, viewer)).status_code == 403
    anonymous = await scrape(server, None)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "UNAUTHENTICATED"
    assert (await scrape(server, "mco_not_a_real_token_at_all")).status_code == 401


@pytest.fixture
def public_server(tmp_path: Path, sqlite_url: str) -> Iterator[ServerProcess]:
    env = {"MC_METRICS_PUBLIC": "true"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as process:
        yield process


async def test_anonymous_scrape_when_the_setting_allows_it(public_server: ServerProcess) -> None:
    response = await scrape(public_server, None)
    assert response.status_code == 200
    assert samples(response.text)[("mission_control_tasks", (("status", "ready"),))] == 0
