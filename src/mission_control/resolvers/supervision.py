"""Mutation resolvers of the supervisor: a failed attempt, a task's own limits."""

from __future__ import annotations

from mission_control.domain.supervision import LimitOverrides
from mission_control.resolvers.context import Info, caller
from mission_control.schema import types
from mission_control.services import supervision


async def fail_attempt(info: Info, id: int, error: str, timed_out: bool = False) -> types.Task:
    ctx = info.context.services
    task = await supervision.fail_attempt(ctx, await caller(info), id, error, timed_out)
    return types.Task.from_row(task)


async def set_task_limits(
    info: Info,
    id: int,
    max_attempts: int | None = None,
    max_run_seconds: int | None = None,
    retry_backoff_seconds: int | None = None,
) -> types.Task:
    ctx = info.context.services
    overrides = LimitOverrides(max_attempts, max_run_seconds, retry_backoff_seconds)
    task = await supervision.set_task_limits(ctx, await caller(info), id, overrides)
    return types.Task.from_row(task)
