"""Stuck work: a task in progress whose holder has said nothing (no progress report, usage
report or heartbeat) for a while. Per task, a `stuck-after:MINUTES` tag overrides the setting
(`stuck-after:0` turns the check off for that task)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

STUCK_TAG = "stuck-after:"


def stuck_after_minutes(tags: Iterable[str], default: int) -> int:
    """The task's own limit from its tag, else the setting; 0 means never stuck."""
    for tag in tags:
        if tag.startswith(STUCK_TAG):
            value = tag.removeprefix(STUCK_TAG)
            if value.isdigit():
                return int(value)
    return default


def is_stuck(last_signal: datetime, now: datetime, minutes: int) -> bool:
    """Silent for longer than `minutes` (never, when the limit is 0)."""
    return minutes > 0 and now - last_signal > timedelta(minutes=minutes)


def stuck_reason(holder: str | None, last_signal: datetime, now: datetime, minutes: int) -> str:
    """What the STUCK Event says: who, how long silent, and the limit."""
    silent = int((now - last_signal).total_seconds() // 60)
    return (
        f"no progress report or heartbeat from {holder or 'its holder'} for {silent} min "
        f"(limit {minutes} min)"
    )
