"""What an agent's command prints: the runner reports new lines, the server keeps a bounded tail.

The tail lives on the agent's row (domain/output.py bounds it), so every server process shows
the same. Each report is an OUTPUT Event carrying only its new lines, and it supersedes the
agent's previous OUTPUT Event, which is deleted in the same transaction: however long a
command prints, the log holds one OUTPUT Event per agent. OUTPUT is a SUPERSEDED kind
(domain/events.py): only a subscriber that asks for it by name (the agents page, `events(kinds:
[OUTPUT])`) is sent it, and a reader that missed one reads the tail from the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mission_control.domain.actors import Actor
from mission_control.domain.errors import Forbidden
from mission_control.domain.events import EventKind
from mission_control.domain.output import append_to_tail, clean_chunk, tail_lines
from mission_control.domain.permissions import require_agent
from mission_control.domain.workflow import TaskStatus
from mission_control.services.pickup import lock_agent
from mission_control.store.context import Context
from mission_control.store.journal import change
from mission_control.store.output import output_rows, write_output
from mission_control.store.tasks import assignee_name, load_task


@dataclass(frozen=True)
class AgentOutput:
    """An agent's output tail: the last lines its command printed on `task_id`."""

    agent: str
    task_id: int | None
    tail: str
    at: datetime | None

    @property
    def lines(self) -> list[str]:
        return tail_lines(self.tail)


async def report_output(ctx: Context, actor: Actor, task_id: int, chunk: str) -> AgentOutput:
    """The holder's command printed these new lines on the task it holds (at most
    CHUNK_CHARS); they are added to its tail, which keeps the last TAIL_LINES lines."""
    require_agent(actor, "report its command's output")
    text = clean_chunk(chunk)
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        if task.status is not TaskStatus.IN_PROGRESS or assignee_name(task) != actor.name:
            raise Forbidden(
                f"Agent {actor.name} does not hold task #{task.id}; only the agent working on "
                f"a task reports its output.",
                task_id=task.id,
            )
        agent = await lock_agent(actor.name, ch.conn)
        kept = agent.output_tail if agent.output_task_id == task.id else ""
        tail = append_to_tail(kept, text)
        # Not task_id: output is no step in the task's history (as heartbeats carry `holding`).
        ch.record(EventKind.OUTPUT, actor.label, agent_name=agent.name, holding=task.id, lines=text)
        await ch.flush()
        await write_output(ch.conn, agent, task.id, tail, ch.now, ch.written[-1].id)
    return AgentOutput(agent.name, task.id, tail, ch.now)


async def output_tails(names: Sequence[str]) -> dict[str, AgentOutput]:
    """The output tails of these agents, by name."""
    return {
        str(row["name"]): AgentOutput(
            agent=str(row["name"]),
            task_id=row["output_task_id"] if isinstance(row["output_task_id"], int) else None,
            tail=str(row["output_tail"] or ""),
            at=row["output_at"] if isinstance(row["output_at"], datetime) else None,
        )
        for row in await output_rows(names)
    }
