"""domain/output.py and the runner's line cleaning: what a tail keeps and a viewer appends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mission_control.client.output import LINE_CHARS, clean_line
from mission_control.domain.events import EventFilter, EventKind, EventRecord
from mission_control.domain.limits import refuse_control
from mission_control.domain.output import TAIL_CHARS, TAIL_LINES, append_to_tail, new_lines


def record(kind: EventKind) -> EventRecord:
    return EventRecord(
        id=7, kind=kind, actor="agent:dev", created_at=datetime.now(UTC), agent_name="dev"
    )


def test_a_tail_keeps_the_newest_lines_within_both_bounds() -> None:
    tail = ""
    for n in range(300):
        tail = append_to_tail(tail, f"line {n}")
    assert tail.split("\n") == [f"line {n}" for n in range(100, 300)]
    assert len(append_to_tail(tail, "y" * 20_000)) == TAIL_CHARS
    wide = append_to_tail("", "\n".join(["z" * 99] * TAIL_LINES))
    assert len(wide) <= TAIL_CHARS and set(wide.split("\n")) == {"z" * 99}


@pytest.mark.parametrize(
    ("shown", "tail", "expected"),
    [
        ([], ["a"], ["a"]),
        (["a", "b"], ["a", "b", "c"], ["c"]),
        (["a", "b", "c"], ["b", "c", "d", "e"], ["d", "e"]),
        (["x", "x"], ["x", "x", "x"], ["x"]),
        (["a", "b"], ["a", "b"], []),
        (["a", "b"], ["c", "d"], None),
    ],
    ids=["first", "appended", "front cut", "repeated lines", "unchanged", "no overlap"],
)
def test_a_viewer_appends_only_the_lines_it_has_not_shown(
    shown: list[str], tail: list[str], expected: list[str] | None
) -> None:
    assert new_lines(shown, tail) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain text\twith a tab", "plain text\twith a tab"),
        ("\x1b[1;31merror:\x1b[0m failed", "error: failed"),
        ("\x1b]0;window title\x07done", "done"),
        ("  10%\r  50%\r 100%", " 100%"),
        ("crlf line\r", "crlf line"),
        ("bell\x07 and nul\x00 and del\x7f", "bell and nul and del"),
        ("bidi \u202eevil", "bidi evil"),
    ],
)
def test_the_runner_cleans_a_line_as_a_terminal_would_show_it(raw: str, expected: str) -> None:
    cleaned = clean_line(raw)
    assert cleaned == expected
    assert refuse_control(cleaned, "chunk") == cleaned  # the server takes what the runner sends


def test_a_very_long_line_is_cut() -> None:
    cleaned = clean_line("x" * 5000)
    assert len(cleaned) == LINE_CHARS and cleaned.endswith("…")


def test_output_events_reach_only_subscribers_that_name_the_kind() -> None:
    output = record(EventKind.OUTPUT)
    assert not EventFilter().matches(output)
    assert not EventFilter(agent_name=output.agent_name).matches(output)
    assert EventFilter(kinds=frozenset({EventKind.OUTPUT})).matches(output)
    assert EventFilter().matches(record(EventKind.HEARTBEAT))
