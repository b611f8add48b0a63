"""Each signed Slack request is acted on once: a replayed signature (within Slack's five-minute
window) or a retry of the same interaction (`X-Slack-Retry-Num`, same trigger_id) is answered
without running again. The keys live in the database, so several processes agree."""

from __future__ import annotations

from datetime import timedelta

from mission_control.store.context import Context
from mission_control.store.slack_seen import record_first_sight

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
    return await record_first_sight(keys, now, now - WINDOW)
