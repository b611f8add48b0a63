"""Times as people read them: '3 min ago', with the exact local time on hover.

The server writes the relative age (it needs no time zone) and the instant in ISO form; the
page's script (ui/theme.py) turns the hover text into the browser's own local time and keeps
the ages fresh while the page stays open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui

_UNITS = (("day", 86400), ("h", 3600), ("min", 60))


def relative_age(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '3 min ago', '5 h ago', '2 days ago' (and 'in 4 min' for the future)."""
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 45:
        return "just now"
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            name = f"{unit}s" if unit == "day" and count != 1 else unit
            return f"in {count} {name}" if ahead else f"{count} {name} ago"
    return "in 1 min" if ahead else "1 min ago"


def exact_utc(moment: datetime) -> str:
    """The fallback hover text before the browser's script has run."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def local_time(moment: datetime, now: datetime | None = None) -> ui.label:
    """A relative age that shows the exact time, local to the browser, on hover."""
    label = ui.label(relative_age(moment, now)).classes("mc-time inline")
    label.props(f'data-time="{moment.astimezone(UTC).isoformat()}" title="{exact_utc(moment)}"')
    return label
