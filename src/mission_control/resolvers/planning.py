"""Planning resolvers: task dependencies and decomposition into subtasks; each calls one service."""

from __future__ import annotations

from mission_control.resolvers.context import Info, caller
from mission_control.schema import types
from mission_control.schema.decomposition import Decomposition, ProposedSubtask, SubtaskInput
from mission_control.services import decomposition, dependencies


def _decomposition(result: decomposition.Decomposition) -> Decomposition:
    return Decomposition(
        task=types.Task.from_row(result.task),
        subtasks=[ProposedSubtask.from_data(item) for item in result.proposal],
        created=[types.Task.from_row(row) for row in result.created],
    )


async def add_dependency(info: Info, task_id: int, depends_on: int) -> types.Task:
    ctx = info.context.services
    task = await dependencies.add_dependency(ctx, await caller(info), task_id, depends_on)
    return types.Task.from_row(task)


async def remove_dependency(info: Info, task_id: int, depends_on: int) -> types.Task:
    ctx = info.context.services
    task = await dependencies.remove_dependency(ctx, await caller(info), task_id, depends_on)
    return types.Task.from_row(task)


async def decompose_task(info: Info, id: int, preview: bool = False) -> Decomposition:
    ctx = info.context.services
    return _decomposition(await decomposition.decompose_task(ctx, await caller(info), id, preview))


async def accept_decomposition(info: Info, id: int, subtasks: list[SubtaskInput]) -> Decomposition:
    ctx = info.context.services
    proposal = [item.to_data() for item in subtasks]
    return _decomposition(
        await decomposition.accept_decomposition(ctx, await caller(info), id, proposal)
    )
