"""store/queries.py's board statements on PostgreSQL: the filter as the task list applies it."""

from __future__ import annotations

from mission_control.settings import Settings
from mission_control.store.context import Context
from tests.services.test_board import board_matches_the_task_list


async def test_a_filtered_board_holds_what_the_task_list_finds(database: str) -> None:
    await board_matches_the_task_list(Context(Settings(database_url=database)))
