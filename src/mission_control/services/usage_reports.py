"""An agent reports the tokens and money it spent on the task it holds.

A report is written in the transaction of the change that carries it (a progress report, a
submit, or a report of its own): the usage totals, a USAGE Event, and, when it used a budget
up, the pause with its BUDGET_PAUSED Event.
"""

from __future__ import annotations

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden, InvalidTransition
from mission_control.domain.events import EventKind
from mission_control.domain.usage import UsageReport, day_of
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task
from mission_control.services.budgets import pause_if_used_up
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.tasks import load_task
from mission_control.store.usage import add_usage
from mission_control.store.views import TaskView, task_view


def _holder_of(actor: Actor, task: Task) -> Agent:
    """The agent the usage is counted for: the task's holder, who alone (or the operator for
    it) may report on it."""
    if task.status is not TaskStatus.IN_PROGRESS:
        raise InvalidTransition(
            f"Usage is reported on a task in progress; task #{task.id} is {task.status}.",
            current=str(task.status),
        )
    holder = task.assignee
    if not isinstance(holder, Agent):
        raise InvalidTransition(f"Task #{task.id} has no holder to count usage for.")
    if actor.role is Role.VIEWER or (actor.role is Role.AGENT and holder.name != actor.name):
        raise Forbidden(
            f"Only the holder of task #{task.id} ({holder.name}) or the operator can report "
            f"usage on it."
        )
    return holder


async def record_usage(
    ch: Change, ctx: Context, actor: Actor, task: Task, report: UsageReport
) -> None:
    """Count a validated report against the task's holder inside an open change."""
    holder = _holder_of(actor, task)
    await add_usage(ch.conn, day_of(ch.now), holder.id, task.id, report)
    ch.record(
        EventKind.USAGE,
        actor.label,
        task_id=task.id,
        agent_name=holder.name,
        tokens=report.tokens,
        cost_usd=report.cost_usd,
        model=report.model or None,
    )
    await pause_if_used_up(ch, ctx, holder)


async def report_usage(ctx: Context, actor: Actor, task_id: int, report: UsageReport) -> TaskView:
    """A usage report on its own (the runner's USAGE lines)."""
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        await record_usage(ch, ctx, actor, task, report)
    return task_view(task)
