"""The supervisor's view of a task: the limits that apply to it (its own or the server's)."""

from __future__ import annotations

import strawberry

from mission_control.domain.supervision import Limits


@strawberry.type(description="The limits a task's attempts run under (its own, else the server's).")
class TaskLimits:
    max_attempts: int = strawberry.field(
        description="Failed attempts after which the task is blocked with the last error."
    )
    max_run_seconds: int | None = strawberry.field(
        description="The runner stops a command running longer; null: no limit."
    )
    retry_backoff_seconds: int = strawberry.field(
        description="Wait before the next attempt, doubled after each further failure."
    )

    @classmethod
    def of(cls, limits: Limits) -> TaskLimits:
        return cls(
            max_attempts=limits.max_attempts,
            max_run_seconds=limits.max_run_seconds,
            retry_backoff_seconds=limits.retry_backoff_seconds,
        )
