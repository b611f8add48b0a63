"""Markdown written by agents and people, rendered without letting any of its HTML through.

Raw HTML in the text is escaped (markdown2's safe mode), and every link or image address that
is not http(s), mailto, a page of this site or an anchor becomes `#`: no `javascript:` or
`data:` URL reaches the page, however it is spelled or entity-encoded.
"""

from __future__ import annotations

import html
import re

import markdown2
from nicegui import ui

EXTRAS = ["fenced-code-blocks", "tables", "strike", "task_list"]
_ADDRESS = re.compile(r'\b(href|src)\s*=\s*"([^"]*)"', re.IGNORECASE)
_SAFE_SCHEMES = ("http", "https", "mailto")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def safe_address(value: str) -> str:
    """The address itself when harmless, else `#`."""
    plain = _INVISIBLE.sub("", html.unescape(value)).lower()
    scheme, colon, _ = plain.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return value  # relative: /task/3, #notes, page?x=1
    return value if scheme in _SAFE_SCHEMES else "#"


def safe_markdown(text: str) -> str:
    """HTML for `text` with raw HTML escaped and unsafe addresses neutralised."""
    rendered = str(markdown2.markdown(text, safe_mode="escape", extras=EXTRAS))
    return _ADDRESS.sub(lambda m: f'{m.group(1)}="{safe_address(m.group(2))}"', rendered)


def markdown_block(text: str) -> ui.html:
    """A block of rendered markdown (server-side sanitised; the browser adds nothing)."""
    return ui.html(safe_markdown(text), sanitize=_already_safe).classes(
        "nicegui-markdown mc-markdown w-full"
    )


def _already_safe(rendered: str) -> str:
    return rendered
