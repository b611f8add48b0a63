"""store/queries.py's board: each column's most urgent cards, its assignees, and its full count."""

from __future__ import annotations

from mission_control.domain.workflow import BOARD_ORDER, TaskStatus
from mission_control.services.claims import claim_next
from mission_control.store import queries
from mission_control.store.context import Context
from tests.support.factories import add_agent, add_task


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
