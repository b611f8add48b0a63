"""Usage and budgets end to end: a real runner's USAGE lines count against a daily budget, the
agent is paused when it is used up and resumes when the operator raises it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gql import Client

from tests.support.cli import mc, mc_json
from tests.support.factories import make_agent, make_task
from tests.support.graphql import GraphQLFailed, http_client, run
from tests.support.loop import claim
from tests.support.runners import RunnerProcess, start_runner, wait_for_events, wait_for_log
from tests.support.server import ServerProcess

SET_BUDGET = """
mutation($name: String!, $tokens: Long, $cost: Float) {
  setAgentBudget(name: $name, tokens: $tokens, costUsd: $cost) {
    tokensPerDay costUsdPerDay pausedReason usedToday { tokens reports }
  }
}
"""
TASK = """
query($id: Int!) { task(id: $id) { status assignee progress usage { tokens costUsd reports } } }
"""
AGENT = """
query($name: String!) {
  agent(name: $name) {
    usageToday { tokens costUsd reports }
    budget { tokensPerDay pausedReason }
  }
}
"""
USAGE = """
query($since: DateTime!, $until: DateTime!, $by: [UsageGroup!]) {
  usage(since: $since, until: $until, groupBy: $by) {
    day agent taskId model usage { tokens reports }
  }
}
"""
REPORT = """
mutation($id: Int!, $usage: UsageInput!) { reportUsage(id: $id, usage: $usage) { id } }
"""
PROGRESS = """
mutation($id: Int!, $usage: UsageInput) {
  reportProgress(id: $id, progress: 70, usage: $usage) { id progress }
}
"""


def count(events: list[dict[str, Any]], kind: str) -> int:
    return sum(event["kind"] == kind for event in events)


def heartbeats_after_second_submit(events: list[dict[str, Any]]) -> bool:
    """Two heartbeats after the second submit: the runner has asked for work in between."""
    submits = [i for i, e in enumerate(events) if e["kind"] == "SUBMITTED"]
    if len(submits) < 2:
        return False
    return count(events[submits[1] :], "HEARTBEAT") >= 2


async def test_a_runner_reporting_600_tokens_a_task_is_paused_by_a_1000_token_budget(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    budget = await run(operator, SET_BUDGET, {"name": "dev", "tokens": 1000})
    assert budget["setAgentBudget"]["tokensPerDay"] == 1000
    tasks = [await make_task(operator, title=f"Task {n}", tags=["python"]) for n in range(3)]
    runners.append(start_runner(server, "dev", token, "--usage", "600"))

    events = await asyncio.wait_for(wait_for_events(server, heartbeats_after_second_submit), 60)

    paused = [e for e in events if e["kind"] == "BUDGET_PAUSED"]
    assert len(paused) == 1 and paused[0]["agentName"] == "dev"
    reason = paused[0]["payload"]["reason"]
    assert "Agent dev's daily token budget of 1,000 is used up (1,200 tokens on" in reason
    assert count(events, "USAGE") == 2 and count(events, "SUBMITTED") == 2
    assert count(events, "CLAIMED") == 2
    third = (await run(operator, TASK, {"id": tasks[2]["id"]}))["task"]
    assert third["status"] == "READY" and third["assignee"] is None
    assert reason in runners[0].log()  # the runner was told why it got nothing
    for task in tasks[:2]:
        done = (await run(operator, TASK, {"id": task["id"]}))["task"]
        assert done["status"] == "REVIEW"
        assert done["usage"] == {"tokens": 600, "costUsd": 0.01, "reports": 1}
    agent = (await run(operator, AGENT, {"name": "dev"}))["agent"]
    assert agent["usageToday"] == {"tokens": 1200, "costUsd": 0.02, "reports": 2}
    assert agent["budget"] == {"tokensPerDay": 1000, "pausedReason": reason}

    raised = await run(operator, SET_BUDGET, {"name": "dev", "tokens": 5000})
    assert raised["setAgentBudget"]["pausedReason"] is None
    after = await asyncio.wait_for(
        wait_for_events(server, lambda seen: count(seen, "SUBMITTED") == 1, since=events[-1]["id"]),
        60,
    )

    assert [e["kind"] for e in after if e["kind"].startswith("BUDGET")] == [
        "BUDGET_CHANGED",
        "BUDGET_RESUMED",
    ]
    assert next(e for e in after if e["kind"] == "SUBMITTED")["taskId"] == tasks[2]["id"]
    now = datetime.now(UTC)
    totals = await run(
        operator,
        USAGE,
        {"since": (now - timedelta(days=1)).isoformat(), "until": now.isoformat(), "by": ["TASK"]},
    )
    by_task = {row["taskId"]: row["usage"] for row in totals["usage"]}
    assert by_task == {task["id"]: {"tokens": 600, "reports": 1} for task in tasks}


@pytest.fixture
async def held(server: ServerProcess, operator: Client) -> dict[str, Any]:
    """dev holds a task; ops is another agent. Tokens and the task for each bad request."""
    dev = await make_agent(operator, "dev")
    ops = await make_agent(operator, "ops")
    task = await make_task(operator)
    await claim(http_client(server.graphql_url, dev), task["id"])
    return {"dev": dev, "ops": ops, "task": task["id"]}


@pytest.mark.parametrize(
    ("who", "query", "variables", "code"),
    [
        ("dev", REPORT, {"usage": {"tokens": -5}}, "VALIDATION"),
        ("dev", REPORT, {"usage": {"tokens": 10, "costUsd": 1e9}}, "VALIDATION"),
        ("dev", PROGRESS, {"usage": {"tokens": -1}}, "VALIDATION"),
        ("dev", REPORT, {"id": 9999, "usage": {"tokens": 5}}, "NOT_FOUND"),
        ("ops", REPORT, {"usage": {"tokens": 5}}, "FORBIDDEN"),
        ("ops", PROGRESS, {"usage": {"tokens": 5}}, "FORBIDDEN"),
    ],
)
async def test_bad_usage_reports_are_refused_and_change_nothing(
    server: ServerProcess,
    operator: Client,
    held: dict[str, Any],
    who: str,
    query: str,
    variables: dict[str, Any],
    code: str,
) -> None:
    agent = http_client(server.graphql_url, held[who])
    before = await run(operator, TASK, {"id": held["task"]})
    log = "{ events(after: 0, limit: 5000) { id } }"
    events_before = (await run(operator, log))["events"]

    with pytest.raises(GraphQLFailed) as refused:
        await run(agent, query, {"id": held["task"], **variables})

    assert refused.value.code == code
    assert refused.value.errors[0]["message"]
    assert await run(operator, TASK, {"id": held["task"]}) == before
    assert (await run(operator, log))["events"] == events_before
    status = await run(operator, AGENT, {"name": "dev"})
    assert status["agent"]["usageToday"]["reports"] == 0


async def test_an_agent_cannot_set_budgets_and_a_bad_budget_is_refused(
    server: ServerProcess, operator: Client, held: dict[str, Any]
) -> None:
    agent = http_client(server.graphql_url, held["dev"])
    with pytest.raises(GraphQLFailed) as forbidden:
        await run(agent, SET_BUDGET, {"name": "dev", "tokens": 10**9})
    assert forbidden.value.code == "FORBIDDEN"
    for bad in ({"tokens": 0}, {"cost": -1.0}, {"tokens": 10**13}):
        with pytest.raises(GraphQLFailed) as refused:
            await run(operator, SET_BUDGET, {"name": "dev", **bad})
        assert refused.value.code == "VALIDATION"
    with pytest.raises(GraphQLFailed) as unknown:
        await run(operator, SET_BUDGET, {"name": "nobody", "tokens": 5})
    assert unknown.value.code == "NOT_FOUND"
    state = (await run(operator, AGENT, {"name": "dev"}))["agent"]["budget"]
    assert state == {"tokensPerDay": None, "pausedReason": None}


async def test_the_operator_sets_and_reads_budgets_and_usage_from_the_cli(
    server: ServerProcess,
) -> None:
    token = mc_json(server, "agent", "add", "dev")["token"]
    set_to = mc_json(server, "agent", "budget", "dev", "--tokens", "1000")
    assert set_to["tokensPerDay"] == 1000 and set_to["costUsdPerDay"] is None
    mc_json(server, "task", "add", "Port the parser", "-d", "details", "-p", "3")
    task_id = mc_json(server, "task", "next", token=token)["task"]["id"]
    agent = http_client(server.graphql_url, token)
    usage = {"tokens": 1200, "costUsd": 0.3, "model": "big"}
    await run(agent, REPORT, {"id": task_id, "usage": usage})

    shown = mc(server, "agent", "budget", "dev").stdout
    assert "today 1,200 tokens, $0.30 in 1 report(s)" in shown
    assert "paused: Agent dev's daily token budget of 1,000 is used up" in " ".join(shown.split())
    assert "budget" in mc(server, "agent", "list").stdout
    rows = mc_json(server, "usage", "--by", "agent,model")
    assert [(r["agent"], r["model"], r["usage"]["tokens"]) for r in rows] == [("dev", "big", 1200)]
    refused = mc(server, "agent", "budget", "dev", "--tokens", "0", expect=1)
    assert "VALIDATION" in refused.stdout + refused.stderr
    kept = mc_json(server, "agent", "budget", "dev", "--cost", "5")
    assert kept["tokensPerDay"] == 1000 and kept["costUsdPerDay"] == 5.0
    raised = mc_json(server, "agent", "budget", "dev", "--clear")
    assert raised == {
        "tokensPerDay": None,
        "costUsdPerDay": None,
        "pausedReason": None,
        "usedToday": {"tokens": 1200, "costUsd": 0.3, "reports": 1},
    }


async def test_a_runner_paused_by_its_budget_wakes_on_budget_resumed_and_claims(
    server: ServerProcess, runners: list[RunnerProcess]
) -> None:
    operator = http_client(server.graphql_url, server.operator_token)
    token = await make_agent(operator, "dev", ["python"])
    await run(operator, SET_BUDGET, {"name": "dev", "tokens": 1000})
    first = await make_task(operator, title="First", tags=["python"])
    second = await make_task(operator, title="Second", tags=["python"])
    # A ten-minute heartbeat: only the BUDGET_RESUMED Event can bring it back this soon.
    runner = start_runner(server, "dev", token, "--usage", "1200", interval=600)
    runners.append(runner)
    events = await asyncio.wait_for(
        wait_for_events(server, lambda seen: count(seen, "SUBMITTED") == 1), 60
    )
    assert count(events, "BUDGET_PAUSED") == 1
    await wait_for_log(runner, "is used up")  # its claim after the submit was refused

    await run(operator, SET_BUDGET, {"name": "dev", "tokens": 5000})
    after = await asyncio.wait_for(
        wait_for_events(server, lambda seen: count(seen, "CLAIMED") == 1, since=events[-1]["id"]),
        30,
    )

    kinds = [e["kind"] for e in after]
    assert kinds.index("BUDGET_RESUMED") < kinds.index("CLAIMED")
    assert "HEARTBEAT" not in kinds  # the Event woke it, not its timer
    claimed = next(e for e in after if e["kind"] == "CLAIMED")
    assert (claimed["taskId"], claimed["agentName"]) == (second["id"], "dev")
    assert first["id"] != second["id"]
