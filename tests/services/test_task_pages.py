"""A page of tasks counts the table only when the query asks for `totalCount`.

The COUNT over every task the filter matches grows with the table, so a client that pages
without showing a total (the CLI's `--json`, the MCP tools, an agent's poll) must not pay it.
The server runs in this process so the test can read the statements Tortoise sends.
"""

from __future__ import annotations

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
