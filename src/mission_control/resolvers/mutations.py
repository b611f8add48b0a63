"""Mutation resolvers: each one calls exactly one service."""

from __future__ import annotations

from mission_control.domain import limits
from mission_control.resolvers.context import Info, caller
from mission_control.schema import types
from mission_control.schema.inputs import CreateTaskInput, UpdateTaskInput
from mission_control.schema.usage import UsageInput, report_of
from mission_control.services import agents, claims, comments, moves
from mission_control.services import tasks as task_services


def _task(row: object) -> types.Task:
    return types.Task.from_row(row)  # type: ignore[arg-type]


async def create_task(info: Info, input: CreateTaskInput) -> types.Task:
    draft = task_services.TaskDraft(
        title=input.title,
        description=input.description,
        priority=input.priority,
        tags=input.tags,
        parent_id=input.parent_id,
    )
    return _task(await task_services.create_task(info.context.services, await caller(info), draft))


async def update_task(
    info: Info, id: int, input: UpdateTaskInput, expected_version: int | None = None
) -> types.Task:
    edit = task_services.TaskEdit(
        title=input.title, description=input.description, priority=input.priority, tags=input.tags
    )
    ctx = info.context.services
    return _task(
        await task_services.update_task(ctx, await caller(info), id, edit, expected_version)
    )


async def transition_task(
    info: Info,
    id: int,
    to: types.TaskStatus,
    reason: str | None = None,
    expected_version: int | None = None,
) -> types.Task:
    ctx = info.context.services
    text = limits.clean_reason(reason)
    return _task(
        await moves.move_task(
            ctx, await caller(info), id, to, text=text, expected_version=expected_version
        )
    )


async def block_task(
    info: Info, id: int, reason: str, expected_version: int | None = None
) -> types.Task:
    ctx = info.context.services
    return _task(await moves.block_task(ctx, await caller(info), id, reason, expected_version))


async def unblock_task(info: Info, id: int, expected_version: int | None = None) -> types.Task:
    ctx = info.context.services
    return _task(await moves.unblock_task(ctx, await caller(info), id, expected_version))


async def claim_task(info: Info, id: int, expected_version: int | None = None) -> types.Task:
    ctx = info.context.services
    return _task(await claims.claim_task(ctx, await caller(info), id, expected_version))


async def claim_next_task(info: Info) -> types.Claim:
    claim = await claims.claim_next(info.context.services, await caller(info))
    return types.Claim(
        outcome=claim.outcome,
        task=_task(claim.task) if claim.task else None,
        approval_id=claim.approval.id if claim.approval else None,
        reason=claim.reason,
    )


async def report_progress(
    info: Info, id: int, progress: int, note: str | None = None, usage: UsageInput | None = None
) -> types.Task:
    ctx, report = info.context.services, report_of(usage)
    return _task(await claims.report_progress(ctx, await caller(info), id, progress, note, report))


async def submit_for_review(
    info: Info,
    id: int,
    result: str | None = None,
    expected_version: int | None = None,
    usage: UsageInput | None = None,
) -> types.Task:
    ctx, report = info.context.services, report_of(usage)
    return _task(
        await moves.submit_for_review(ctx, await caller(info), id, result, expected_version, report)
    )


async def approve_task(info: Info, id: int, expected_version: int | None = None) -> types.Task:
    ctx = info.context.services
    return _task(await moves.approve_task(ctx, await caller(info), id, expected_version))


async def reject_task(
    info: Info, id: int, feedback: str, expected_version: int | None = None
) -> types.Task:
    ctx = info.context.services
    return _task(await moves.reject_task(ctx, await caller(info), id, feedback, expected_version))


async def cancel_task(
    info: Info, id: int, reason: str | None = None, expected_version: int | None = None
) -> types.Task:
    ctx = info.context.services
    return _task(await moves.cancel_task(ctx, await caller(info), id, reason, expected_version))


async def release_task(
    info: Info, id: int, reason: str | None = None, expected_version: int | None = None
) -> types.Task:
    ctx = info.context.services
    return _task(await moves.release_task(ctx, await caller(info), id, reason, expected_version))


async def assign_task(
    info: Info,
    id: int,
    agent: str | None = None,
    expected_version: int | None = None,
    force: bool = False,
) -> types.Task:
    ctx = info.context.services
    return _task(
        await task_services.assign_task(
            ctx, await caller(info), id, agent, expected_version, force=force
        )
    )


async def register_agent(
    info: Info, name: str, skills: list[str] | None = None, wip_limit: int = 1
) -> types.AgentRegistration:
    ctx = info.context.services
    agent, token = await agents.register_agent(
        ctx, await caller(info), name, skills or [], wip_limit
    )
    return types.AgentRegistration(agent=types.Agent.from_row(agent), token=token)


async def add_comment(info: Info, task_id: int, body: str) -> types.Comment:
    ctx = info.context.services
    return types.Comment.from_view(
        await comments.add_comment(ctx, await caller(info), task_id, body)
    )


async def reopen_task(
    info: Info, id: int, reason: str | None = None, expected_version: int | None = None
) -> types.Task:
    ctx = info.context.services
    return _task(await moves.reopen_task(ctx, await caller(info), id, reason, expected_version))
