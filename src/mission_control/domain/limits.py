"""Limits and normal forms for what people and agents write into a task."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mission_control.domain.errors import ValidationFailed

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
TEXT_MAX = 20_000
REASON_MAX = 2_000
COMMENT_MAX = 4_000
TAG_MAX = 40
TAGS_MAX = 20
PRIORITY_MIN, PRIORITY_MAX = 1, 5  # P1 is the most urgent, as people say it
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.:+-]*$")
# Control characters (ANSI escapes start with ESC, \x1b) rewrite terminals and logs, and
# bidirectional overrides disguise text; NUL is stored by no backend the same way. Free text
# keeps tab and newlines; a one-line title keeps none of them.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_control(value: str, field: str, *, one_line: bool = False) -> str:
    """Refuse control characters (NUL, ANSI escapes, bidi overrides) with VALIDATION."""
    found = (_LINE_CONTROL if one_line else _TEXT_CONTROL).search(value)
    if found:
        raise ValidationFailed(
            f"The {field} contains a control character (U+{ord(found.group()):04X} at "
            f"position {found.start()}); remove it"
            + (" (a title is one line)." if one_line else "."),
            field=field,
        )
    return value


def clean_title(title: str) -> str:
    """A title trimmed, non-empty and at most TITLE_MAX characters."""
    title = refuse_control(title.strip(), "title", one_line=True)
    if not title:
        raise ValidationFailed("A task needs a title.", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            f"A title can be at most {TITLE_MAX} characters; this one has {len(title)}.",
            field="title",
        )
    return title


def clean_text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    """Free text (description, result, feedback) of bounded length, without control
    characters other than tab and newlines."""
    refuse_control(value, field)
    if len(value) > limit:
        raise ValidationFailed(
            f"The {field} can be at most {limit} characters; this one has {len(value)}.",
            field=field,
        )
    return value


def clean_reason(reason: str | None, field: str = "reason") -> str | None:
    """A reason trimmed to None when blank, bounded otherwise."""
    if reason is None or not reason.strip():
        return None
    return clean_text(reason.strip(), field, REASON_MAX)


def clean_priority(priority: int | None) -> int | None:
    """A priority from P1 (most urgent) to P5, or None when not set yet."""
    if priority is not None and not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise ValidationFailed(
            f"Priority must be between {PRIORITY_MIN} (most urgent) and {PRIORITY_MAX}; "
            f"got {priority}.",
            field="priority",
        )
    return priority


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags lower-cased, deduplicated and sorted; each a short word like `rust` or `p:ops`."""
    cleaned = sorted({tag.strip().lower().lstrip("#") for tag in tags if tag.strip()})
    if len(cleaned) > TAGS_MAX:
        raise ValidationFailed(f"A task can have at most {TAGS_MAX} tags.", field="tags")
    for tag in cleaned:
        if len(tag) > TAG_MAX or not _TAG.match(tag):
            raise ValidationFailed(
                f"Tag {tag[:TAG_MAX]!r} is not valid: use up to {TAG_MAX} letters, digits "
                f"and - _ . : +, starting with a letter or digit.",
                field="tags",
            )
    return cleaned


def clean_progress(progress: int) -> int:
    """Progress in percent, 0 to 100."""
    if not 0 <= progress <= 100:
        raise ValidationFailed(
            f"Progress is a percentage from 0 to 100; got {progress}.", field="progress"
        )
    return progress
