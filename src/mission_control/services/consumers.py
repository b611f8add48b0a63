"""Consumers that must act on each Event once across all processes (the Slack notifier).

A GraphQL subscription or a board page wants every Event in every process: the bus does that.
A notifier that posts to Slack wants each Event handled once in total, however many processes
run. It keeps a cursor in the controls table, and each batch runs with that row locked, so two
processes (say, an old and a new leader during a hand-over) never hand out the same Event twice.
Run it as a periodic job (`runtime.jobs`), which only the leader runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mission_control.domain.events import EventRecord
from mission_control.models import Control, Event
from mission_control.services.context import Context
from mission_control.services.journal import to_record

Handler = Callable[[EventRecord], Awaitable[None]]

CURSOR_PREFIX = "consumer:"


async def _ensure_cursor(key: str) -> None:
    """A new consumer starts after the newest Event: it does not replay the whole history."""
    if await Control.exists(key=key):
        return
    newest = await Event.all().order_by("-id").first()
    # Another process may create it at the same moment: theirs is as good.
    with contextlib.suppress(IntegrityError):
        await Control.create(key=key, value={"after": newest.id if newest else 0})


async def consume_events(ctx: Context, consumer: str, handle: Handler, limit: int = 100) -> int:
    """Give `handle` the Events after this consumer's cursor, each once; returns how many.

    The cursor moves past an Event only once `handle` returned for it, and is saved even when
    a later one fails (that error is raised after saving): a crash can repeat at most the
    Event being handled, a failure never skips one. Event ids become visible in id order (see
    services/journal.py), so reading "after the cursor" never passes over a late commit.
    """
    key = CURSOR_PREFIX + consumer
    await _ensure_cursor(key)
    failure: Exception | None = None
    handled = 0
    async with in_transaction() as conn:
        cursor = await Control.filter(key=key).select_for_update().using_db(conn).get()
        after = int(cursor.value["after"])
        rows = await Event.filter(id__gt=after).order_by("id").limit(limit).using_db(conn)
        for row in rows:
            try:
                await handle(to_record(row))
            except Exception as error:
                failure = error
                break
            after, handled = row.id, handled + 1
        if handled:
            await Control.filter(key=key).using_db(conn).update(value={"after": after})
    if failure is not None:
        raise failure
    return handled
