"""Planning resolvers: task dependencies and decomposition into subtasks; each calls one service."""

from __future__ import annotations

from mission_control.domain.decomposition import ProposedSubtask
from mission_control.resolvers.context import Info, caller
from mission_control.services import decomposition, dependencies
from mission_control.store.views import TaskView


async def add_dependency(info: Info, task_id: int, depends_on: int) -> TaskView:
    ctx = info.context.services
    return await dependencies.add_dependency(ctx, await caller(info), task_id, depends_on)


async def remove_dependency(info: Info, task_id: int, depends_on: int) -> TaskView:
    ctx = info.context.services
    return await dependencies.remove_dependency(ctx, await caller(info), task_id, depends_on)


async def decompose_task(info: Info, id: int, preview: bool) -> decomposition.Decomposition:
    ctx = info.context.services
    return await decomposition.decompose_task(ctx, await caller(info), id, preview)


async def accept_decomposition(
    info: Info, id: int, proposal: list[ProposedSubtask]
) -> decomposition.Decomposition:
    ctx = info.context.services
    return await decomposition.accept_decomposition(ctx, await caller(info), id, proposal)
