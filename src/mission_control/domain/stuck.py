"""Stuck work: a task in progress whose holder has said nothing (no progress report, usage
report or heartbeat) for a while. Per task, a `stuck-after:MINUTES` tag overrides the setting
(`stuck-after:0` turns the check off for that task)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

STUCK_TAG = "stuck-after:"


def stuck_after_minutes(tags: Iterable[str], default: float) -> float:
    """The task's own limit from its tag, else the setting; 0 means never stuck."""
    for tag in tags:
        if tag.startswith(STUCK_TAG):
            value = tag.removeprefix(STUCK_TAG)
            if value.isdigit():
                return int(value)
    return default


def is_stuck(last_signal: datetime, now: datetime, minutes: float) -> bool:
    """Silent for longer than `minutes` (never, when the limit is 0)."""
    return minutes > 0 and now - last_signal > timedelta(minutes=minutes)


def stuck_reason(holder: str | None, last_signal: datetime, now: datetime, minutes: float) -> str:
    """What the STUCK Event says: who, how long silent, and the limit."""
    return (
        f"no progress report or heartbeat from {holder or 'its holder'} for "
        f"{_minutes((now - last_signal).total_seconds() / 60)} (limit {_minutes(minutes)})"
    )


def _minutes(value: float) -> str:
    return f"{int(value)} min" if value >= 1 else f"{round(value * 60)} s"
