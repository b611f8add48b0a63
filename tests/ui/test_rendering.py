"""What the pages render text and times with: safe markdown and relative ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mission_control.ui.clock import relative_age
from mission_control.ui.markdown_view import safe_address, safe_markdown

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=3), "3 min ago"),
        (timedelta(hours=5, minutes=2), "5 h ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=4), "4 days ago"),
        (-timedelta(minutes=4), "in 4 min"),
    ],
)
def test_relative_ages_read_like_people_say_them(ago: timedelta, text: str) -> None:
    assert relative_age(NOW - ago, NOW) == text


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:x",
        " java\tscript:x",
        "jav&#x61;script:x",
        "data:text/html,x",
        "vbscript:x",
    ],
)
def test_unsafe_addresses_become_an_anchor(address: str) -> None:
    assert safe_address(address) == "#"


@pytest.mark.parametrize(
    "address", ["https://example.com/a?b=c", "/task/3", "#notes", "mailto:a@b"]
)
def test_ordinary_addresses_stay(address: str) -> None:
    assert safe_address(address) == address


def test_raw_html_is_shown_as_text_and_code_keeps_its_angle_brackets() -> None:
    html = safe_markdown('<b onclick="x()">hi</b>\n\n```\nif a < b:\n```\n')
    assert "<b onclick" not in html and "&lt;b onclick" in html
    assert "&lt;" in html and "<code>" in html
