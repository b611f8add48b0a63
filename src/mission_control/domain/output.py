"""What an agent's command prints: the chunks a runner sends and the bounded tail kept of them.

The server keeps the last TAIL_LINES lines (at most TAIL_CHARS characters) per agent, for the
task it holds now; a runner sends only the lines that are new since its last report, at most
CHUNK_CHARS characters at a time.
"""

from __future__ import annotations

from mission_control.domain.errors import ValidationFailed
from mission_control.domain.limits import refuse_control

CHUNK_CHARS = 8_000
TAIL_LINES = 200
TAIL_CHARS = 16_000


def clean_chunk(chunk: str) -> str:
    """New output lines: not empty, at most CHUNK_CHARS characters, no control characters
    but tab and newlines (the runner strips colours and other terminal escapes first)."""
    if len(chunk) > CHUNK_CHARS:
        raise ValidationFailed(
            f"An output chunk can be at most {CHUNK_CHARS:,} characters; this one has "
            f"{len(chunk):,}. Send new lines more often, in smaller pieces.",
            field="chunk",
        )
    refuse_control(chunk, "chunk")
    text = chunk.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    if not text:
        raise ValidationFailed("An output chunk needs at least one line.", field="chunk")
    return text


def append_to_tail(tail: str, chunk: str) -> str:
    """The tail with the chunk's lines added, cut to the last TAIL_LINES lines and
    TAIL_CHARS characters (whole lines, except a single line longer than that)."""
    lines = (f"{tail}\n{chunk}" if tail else chunk).split("\n")[-TAIL_LINES:]
    size = sum(len(line) + 1 for line in lines) - 1
    start = 0
    while size > TAIL_CHARS and start < len(lines) - 1:
        size -= len(lines[start]) + 1
        start += 1
    text = "\n".join(lines[start:])
    return text[-TAIL_CHARS:]


def tail_lines(tail: str) -> list[str]:
    """The tail as lines ([] when nothing was printed)."""
    return tail.split("\n") if tail else []


def new_lines(shown: list[str], tail: list[str]) -> list[str] | None:
    """The lines of `tail` that follow what a viewer has `shown` of an earlier tail of the same
    output; None when the two do not overlap (the viewer starts over with the whole tail).

    A tail only grows at its end and loses lines at its start, so what is shown ends with a
    run of lines the new tail starts with; the longest such run is taken.
    """
    if not shown:
        return list(tail)
    for start in range(len(shown)):
        kept = shown[start:]
        if tail[: len(kept)] == kept:
            return tail[len(kept) :]
    return None
