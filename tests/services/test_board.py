"""store/queries.py's board: each column's most urgent cards, its assignees, and its full count."""

from __future__ import annotations

from mission_control.domain.workflow import BOARD_ORDER, TaskStatus
from mission_control.services.claims import claim_next
from mission_control.store import queries
from mission_control.store.context import Context
from tests.support.factories import add_agent, add_task
from tests.support.inprocess import StatementLog


async def test_a_column_shows_its_most_urgent_cards_first_and_counts_them_all(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev")
    claimed = await add_task(ctx, "Hotfix", priority=1)
    routine = [await add_task(ctx, f"Routine {n}", priority=4) for n in range(3)]
    sooner = await add_task(ctx, "Sooner", priority=2)
    unsorted = await add_task(ctx, "Unsorted", priority=None)
    await claim_next(ctx, dev)

    columns = {column.status: column for column in await queries.board(per_column=2)}

    assert list(columns) == list(BOARD_ORDER)
    ready = columns[TaskStatus.READY]
    assert [card.id for card in ready.tasks] == [sooner.id, routine[0].id]
    assert ready.count == 4  # more than the cards shown
    (held,) = columns[TaskStatus.IN_PROGRESS].tasks
    assert (held.id, held.assignee, columns[TaskStatus.IN_PROGRESS].count) == (claimed.id, "dev", 1)
    assert [card.id for card in columns[TaskStatus.INTAKE].tasks] == [unsorted.id]
    assert columns[TaskStatus.INTAKE].count == 1
    assert columns[TaskStatus.DONE].tasks == [] and columns[TaskStatus.DONE].count == 0


async def test_a_board_of_counts_only_counts_every_column(ctx: Context) -> None:
    for n in range(3):
        await add_task(ctx, f"Ready {n}", priority=3)
    await add_task(ctx, "Unsorted", priority=None)

    columns = await queries.board(per_column=0)

    assert {column.status: column.count for column in columns if column.count} == {
        TaskStatus.READY: 3,
        TaskStatus.INTAKE: 1,
    }
    assert all(column.tasks == [] for column in columns)


async def test_the_board_costs_two_statements_whatever_the_number_of_columns(
    ctx: Context,
) -> None:
    """The cards of every column in one statement, the full columns' counts in another: a
    statement per column (and per count) was most of a board request's time."""
    dev = await add_agent(ctx, "dev")
    for n in range(3):
        await add_task(ctx, f"Ready {n}", priority=2)
        await add_task(ctx, f"Intake {n}", priority=None)
    await claim_next(ctx, dev)

    with StatementLog().recording() as statements:
        columns = await queries.board(per_column=1)
    with StatementLog().recording() as only_cards:
        await queries.board(per_column=50)

    counts = {column.status: column.count for column in columns if column.count}
    assert counts == {TaskStatus.READY: 2, TaskStatus.INTAKE: 3, TaskStatus.IN_PROGRESS: 1}
    assert len(statements) == 2, statements
    assert len(only_cards) == 1, only_cards  # no column is full: the cards tell every count


async def test_a_filtered_board_holds_what_the_task_list_finds_for_the_same_filter(
    ctx: Context,
) -> None:
    await board_matches_the_task_list(ctx)


async def board_matches_the_task_list(ctx: Context) -> None:
    """The board's SQL spells `_filtered`'s conditions itself; both must match the same rows
    (on SQLite here, on PostgreSQL in tests/postgres/test_board_sql.py)."""
    dev = await add_agent(ctx, "dev")
    parent = await add_task(ctx, "Parent", priority=1)
    await add_task(ctx, "Fix LOGIN page", tags=["web_ui"], priority=2, parent_id=parent.id)
    await add_task(ctx, "login audit", "100% done_ish", tags=["webxui"], priority=None)
    await add_task(ctx, "Unrelated", "nothing", tags=["api"], priority=2)
    await claim_next(ctx, dev)
    filters = [
        queries.TaskQuery(),
        queries.TaskQuery(assignee=" DEV "),
        queries.TaskQuery(assignee="nobody"),
        queries.TaskQuery(tag="web_ui"),
        queries.TaskQuery(text="Login"),
        queries.TaskQuery(text="0% d"),
        queries.TaskQuery(text="_"),
        queries.TaskQuery(priority=2, statuses=(TaskStatus.READY,)),
        queries.TaskQuery(parent_id=parent.id),
    ]

    for query in filters:
        listed = (await queries.list_tasks(query, first=500)).tasks
        columns = await queries.board(query, per_column=500)
        on_board = sorted(card.id for column in columns for card in column.tasks)
        assert on_board == sorted(task.id for task in listed), query
        counted = {column.status: column.count for column in columns if column.count}
        expected: dict[TaskStatus, int] = {}
        for task in listed:
            expected[task.status] = expected.get(task.status, 0) + 1
        assert counted == expected, query
        assert {c.status for c in await queries.board(query, per_column=0) if c.count} == set(
            expected
        ), query
