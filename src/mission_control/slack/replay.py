"""Each signed Slack request is acted on once: a replayed signature (within Slack's five-minute
window) or a retry of the same interaction (`X-Slack-Retry-Num`, same trigger_id) is answered
without running again. The keys live in the database, so several processes agree."""

from __future__ import annotations

from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mission_control.models import SlackSeen
from mission_control.store.context import Context

# Slack refuses timestamps older than five minutes; keep keys a little longer than that.
WINDOW = timedelta(minutes=10)


def keys_of(signature: str | None, trigger_id: object) -> list[str]:
    keys = [f"sig:{signature}"] if signature else []
    if isinstance(trigger_id, str) and trigger_id:
        keys.append(f"trigger:{trigger_id[:180]}")
    return keys


async def first_time(ctx: Context, keys: list[str]) -> bool:
    """Record the keys; False when any of them was seen in the window (a replay or retry)."""
    if not keys:
        return True
    now = ctx.clock()
    await SlackSeen.filter(seen_at__lt=now - WINDOW).delete()
    try:
        async with in_transaction() as conn:
            for key in keys:
                await SlackSeen.create(key=key, seen_at=now, using_db=conn)
    except IntegrityError:
        return False
    return True
