"""The operator's autonomy modes: agents pick up work on their own, or wait for approval."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class AutonomyMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


@dataclass(frozen=True)
class Autonomy:
    """The operator's board-wide switches: the global pause and the mode."""

    paused: bool
    mode: AutonomyMode


def autonomy_of(stored: Any, default: AutonomyMode) -> Autonomy:
    """The switches as stored (the controls row's value; None until the operator set one,
    when the mode is the configured default)."""
    value = stored if isinstance(stored, dict) else {}
    mode = value.get("mode")
    return Autonomy(
        paused=bool(value.get("paused", False)),
        mode=AutonomyMode(mode) if mode in set(AutonomyMode) else default,
    )
