"""Printing for people (rich), loaded on first use: a command that prints JSON never loads it.

`out` and `err` stand for rich Consoles and `table_of()` makes a rich Table; rich is imported
when one of them is first used, so `task list --json` starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class _LazyConsole:
    """A rich Console, made with `options` when first used (rich's own progress bars enter it
    as a context, which goes to the Console too)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    def __enter__(self) -> Console:
        return self._made().__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        self._made().__exit__(*exc_info)


out = cast("Console", _LazyConsole())
err = cast("Console", _LazyConsole(stderr=True, soft_wrap=True))  # one message, one line


def table_of(*headers: str, **options: Any) -> Table:
    """A rich Table with these column headers."""
    from rich.table import Table

    return Table(*headers, **options)
