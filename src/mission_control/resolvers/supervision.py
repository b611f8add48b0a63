"""Mutation resolvers of the supervisor: a failed attempt, a task's own limits."""

from __future__ import annotations

from mission_control.domain.supervision import LimitOverrides
from mission_control.resolvers.context import Info, caller
from mission_control.services import supervision
from mission_control.store.views import TaskView


async def fail_attempt(info: Info, id: int, error: str, timed_out: bool) -> TaskView:
    ctx = info.context.services
    return await supervision.fail_attempt(ctx, await caller(info), id, error, timed_out)


async def set_task_limits(info: Info, id: int, overrides: LimitOverrides) -> TaskView:
    ctx = info.context.services
    return await supervision.set_task_limits(ctx, await caller(info), id, overrides)
