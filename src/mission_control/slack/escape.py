"""Slack's escaping rules: in message text `&`, `<` and `>` are control characters (they make
links, user and channel mentions and `<!channel>`), so every piece of user or agent text is
escaped before it is put in a message."""

from __future__ import annotations


def escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
