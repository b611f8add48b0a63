"""The operator's autonomy modes: agents pick up work on their own, or wait for approval."""

from __future__ import annotations

from enum import StrEnum


class AutonomyMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
