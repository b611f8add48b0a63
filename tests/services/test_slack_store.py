"""store/slack_outbox.py and store/slack_seen.py in-process: what the Slack adapter keeps in
the database, handed out as plain values (the task as a TaskView, the thread as a Thread)."""

from __future__ import annotations

from datetime import timedelta

from mission_control.domain.actors import OPERATOR
from mission_control.domain.events import EventRecord
from mission_control.services.moves import block_task
from mission_control.services.tasks import assign_task
from mission_control.store import queries, slack_outbox
from mission_control.store.context import Context
from mission_control.store.slack_seen import record_first_sight
from mission_control.store.views import TaskView
from tests.services.conftest import Clock
from tests.support.factories import add_agent, add_task


async def _events_of(task_id: int) -> list[EventRecord]:
    return await queries.task_history(task_id)


async def test_queued_events_come_back_once_in_order_with_the_task_as_a_view(
    ctx: Context,
) -> None:
    await add_agent(ctx, "dev")
    task = await add_task(ctx, "Ship it")
    await assign_task(ctx, OPERATOR, task.id, "dev")
    await block_task(ctx, OPERATOR, task.id, "waiting for the keys")
    events = await _events_of(task.id)
    assert await slack_outbox.read_cursor() is None

    await slack_outbox.queue_events(ctx, events, events[-1].id)
    await slack_outbox.queue_events(ctx, events[-1:], events[-1].id)  # a replay after a restart

    assert await slack_outbox.read_cursor() == events[-1].id
    pending = await slack_outbox.pending()
    assert [item.event.id for item in pending] == [event.id for event in events]
    assert await slack_outbox.unsent_count() == len(events)
    first = pending[0]
    assert isinstance(first.task, TaskView) and first.thread is None
    assert (first.task.assignee, first.task.block_reason) == ("dev", "waiting for the keys")


async def test_the_first_message_sent_opens_the_task_s_thread(ctx: Context) -> None:
    task = await add_task(ctx, "Ship it")
    await block_task(ctx, OPERATOR, task.id, "waiting")
    events = await _events_of(task.id)
    await slack_outbox.queue_events(ctx, events, events[-1].id)
    first, *rest = await slack_outbox.pending()

    await slack_outbox.mark_sent(ctx, first, "C1", "111.1")
    assert await slack_outbox.thread_of(task.id) == slack_outbox.Thread("C1", "111.1")
    later = await slack_outbox.pending()
    assert [item.event.id for item in later] == [item.event.id for item in rest]
    assert all(item.thread == slack_outbox.Thread("C1", "111.1") for item in later)

    await slack_outbox.mark_sent(ctx, later[0], "C1", "222.2")  # a reply: the root stays
    assert await slack_outbox.thread_of(task.id) == slack_outbox.Thread("C1", "111.1")


async def test_a_refused_message_counts_its_attempts_then_is_given_up(ctx: Context) -> None:
    task = await add_task(ctx, "Ship it")
    events = await _events_of(task.id)
    await slack_outbox.queue_events(ctx, events[:1], events[0].id)
    (item,) = await slack_outbox.pending()

    assert await slack_outbox.mark_failed(item, "invalid_blocks") == 1
    assert await slack_outbox.mark_failed(item, "invalid_blocks") == 2
    await slack_outbox.give_up(ctx, item, "invalid_blocks")
    assert await slack_outbox.pending() == []
    assert await slack_outbox.unsent_count() == 0


async def test_a_request_key_is_acted_on_once_within_the_window(ctx: Context, clock: Clock) -> None:
    window = timedelta(minutes=10)
    assert await record_first_sight(["sig:a", "trigger:t"], clock.now, clock.now - window)
    assert not await record_first_sight(["sig:b", "trigger:t"], clock.now, clock.now - window)
    assert not await record_first_sight(["sig:a"], clock.now, clock.now - window)

    clock.advance(window.total_seconds() + 1)
    assert await record_first_sight(["sig:a"], clock.now, clock.now - window)
