"""The tail of each agent's command output, kept on its row, and the one OUTPUT Event it keeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.models import Agent, Event


async def write_output(
    conn: BaseDBAsyncClient,
    agent: Agent,
    task_id: int,
    tail: str,
    at: datetime,
    event_id: int,
) -> None:
    """Store the agent's new tail and its latest OUTPUT Event; delete the Event it supersedes
    (so the log holds one OUTPUT Event per agent however long its commands print)."""
    if agent.output_event_id is not None:
        await Event.filter(id=agent.output_event_id).using_db(conn).delete()
    await (
        Agent.filter(id=agent.id)
        .using_db(conn)
        .update(output_tail=tail, output_task_id=task_id, output_at=at, output_event_id=event_id)
    )


async def forget_output(conn: BaseDBAsyncClient, agent_id: int) -> None:
    """Clear an agent's tail (it starts a new task); its last OUTPUT Event stays until the
    next report supersedes it."""
    await (
        Agent.filter(id=agent_id)
        .using_db(conn)
        .update(output_tail="", output_task_id=None, output_at=None)
    )


async def output_rows(names: Sequence[str]) -> list[dict[str, object]]:
    """name, output_tail, output_task_id and output_at of these agents."""
    return await Agent.filter(name__in=list(names)).values(
        "name", "output_tail", "output_task_id", "output_at"
    )
