"""A page of tasks counts the table only when the query asks for `totalCount`.

The COUNT over every task the filter matches grows with the table, so a client that pages
without showing a total (the CLI's `--json`, the MCP tools, an agent's poll) must not pay it.
The server runs in this process so the test can read the statements Tortoise sends.
"""

from __future__ import annotations

import collections
from pathlib import Path

from tests.support.factories import make_task
from tests.support.graphql import http_client, run
from tests.support.inprocess import StatementLog, serving

PAGE = (
    "query($total: Boolean!) { tasks(first: 2) { nodes { id } totalCount @include(if: $total) } }"
)


def counts(statements: list[str]) -> int:
    return sum("COUNT(" in statement.upper() for statement in statements)


async def test_total_count_is_counted_only_when_selected(tmp_path: Path) -> None:
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        operator = http_client(server.graphql_url, server.operator_token)
        for n in range(3):
            await make_task(operator, title=f"Paged task {n}", priority=2)
        log = StatementLog()

        with log.recording() as without_total:
            page = await run(operator, PAGE, {"total": False})
        with log.recording() as with_total:
            counted = await run(operator, PAGE, {"total": True})

    assert len(page["tasks"]["nodes"]) == 2 and "totalCount" not in page["tasks"]
    assert without_total and counts(without_total) == 0  # the page was read, not counted
    assert counted["tasks"]["totalCount"] == 3
    assert counts(with_total) == 1


RELATIONS = """query($first: Int!) { tasks(first: $first) { nodes {
  id subtasks { id } dependsOn usage { tokens } comments { body } } } }"""


def per_table(statements: list[str]) -> collections.Counter[str]:
    """Statements per table of the page's relations. The server's own followers (the hub
    reading the Event log, the webhook outbox's follower) may read other tables meanwhile:
    those are not the page's and are not counted."""
    tables = ("usage_totals", "task_dependencies", "comments", "tasks")
    found = (next((t for t in tables if f'FROM "{t}"' in s), None) for s in statements)
    return collections.Counter(table for table in found if table is not None)


async def test_a_task_s_relations_cost_one_query_each_whatever_the_page_size(
    tmp_path: Path,
) -> None:
    async with serving(f"sqlite://{tmp_path / 'mc.db'}") as server:
        operator = http_client(server.graphql_url, server.operator_token)
        parent = await make_task(operator, title="Parent", priority=2)
        for n in range(12):
            child = await make_task(operator, title=f"Child {n}", priority=2)
            await run(
                operator,
                "mutation($t: Int!, $p: Int!) { addDependency(taskId: $t, dependsOn: $p) { id } }",
                {"t": child["id"], "p": parent["id"]},
            )
        with StatementLog().recording() as statements:
            page = await run(operator, RELATIONS, {"first": 12})

    assert len(page["tasks"]["nodes"]) == 12
    assert all(node["dependsOn"] == [parent["id"]] for node in page["tasks"]["nodes"])
    # The page, then each relation in one batch (a batch may split once at a tick boundary of
    # the event loop), where one query per task and relation would be 1 + 4 x 12 = 49.
    counted = per_table(statements)
    assert counted["tasks"] <= 3 and counted["task_dependencies"] <= 2, counted
    assert counted["usage_totals"] <= 2 and counted["comments"] <= 2, counted
