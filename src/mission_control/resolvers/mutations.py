"""Mutation resolvers: each one calls exactly one service with plain values."""

from __future__ import annotations

from mission_control.domain import limits
from mission_control.domain.usage import UsageReport
from mission_control.domain.workflow import TaskStatus
from mission_control.resolvers.context import Info, caller
from mission_control.services import agents, claims, comments, moves
from mission_control.services import tasks as task_services
from mission_control.services.comments import CommentView
from mission_control.store.views import AgentView, TaskView, task_view


async def create_task(info: Info, draft: task_services.TaskDraft) -> TaskView:
    return await task_services.create_task(info.context.services, await caller(info), draft)


async def update_task(
    info: Info, id: int, edit: task_services.TaskEdit, expected_version: int | None
) -> TaskView:
    ctx = info.context.services
    return await task_services.update_task(ctx, await caller(info), id, edit, expected_version)


async def transition_task(
    info: Info, id: int, to: TaskStatus, reason: str | None, expected_version: int | None
) -> TaskView:
    ctx = info.context.services
    text = limits.clean_reason(reason)
    return await moves.move_task(
        ctx, await caller(info), id, to, text=text, expected_version=expected_version
    )


async def block_task(info: Info, id: int, reason: str, expected_version: int | None) -> TaskView:
    ctx = info.context.services
    return await moves.block_task(ctx, await caller(info), id, reason, expected_version)


async def unblock_task(info: Info, id: int, expected_version: int | None) -> TaskView:
    ctx = info.context.services
    return await moves.unblock_task(ctx, await caller(info), id, expected_version)


async def claim_task(info: Info, id: int, expected_version: int | None) -> TaskView:
    ctx = info.context.services
    return task_view(await claims.claim_task(ctx, await caller(info), id, expected_version))


async def claim_next_task(info: Info) -> claims.NextClaim:
    return await claims.claim_next(info.context.services, await caller(info))


async def report_progress(
    info: Info, id: int, progress: int, note: str | None, report: UsageReport | None
) -> TaskView:
    ctx = info.context.services
    return task_view(
        await claims.report_progress(ctx, await caller(info), id, progress, note, report)
    )


async def submit_for_review(
    info: Info,
    id: int,
    result: str | None,
    expected_version: int | None,
    report: UsageReport | None,
) -> TaskView:
    ctx = info.context.services
    return await claims.submit_for_review(
        ctx, await caller(info), id, result, expected_version, report
    )


async def approve_task(info: Info, id: int, expected_version: int | None) -> TaskView:
    ctx = info.context.services
    return await moves.approve_task(ctx, await caller(info), id, expected_version)


async def reject_task(info: Info, id: int, feedback: str, expected_version: int | None) -> TaskView:
    ctx = info.context.services
    return await moves.reject_task(ctx, await caller(info), id, feedback, expected_version)


async def cancel_task(
    info: Info, id: int, reason: str | None, expected_version: int | None
) -> TaskView:
    ctx = info.context.services
    return await moves.cancel_task(ctx, await caller(info), id, reason, expected_version)


async def release_task(
    info: Info, id: int, reason: str | None, expected_version: int | None
) -> TaskView:
    ctx = info.context.services
    return await moves.release_task(ctx, await caller(info), id, reason, expected_version)


async def assign_task(
    info: Info, id: int, agent: str | None, expected_version: int | None, force: bool
) -> TaskView:
    ctx = info.context.services
    return await task_services.assign_task(
        ctx, await caller(info), id, agent, expected_version, force=force
    )


async def register_agent(
    info: Info, name: str, skills: list[str], wip_limit: int
) -> tuple[AgentView, str]:
    ctx = info.context.services
    return await agents.register_agent(ctx, await caller(info), name, skills, wip_limit)


async def add_comment(info: Info, task_id: int, body: str) -> CommentView:
    ctx = info.context.services
    return await comments.add_comment(ctx, await caller(info), task_id, body)


async def reopen_task(
    info: Info, id: int, reason: str | None, expected_version: int | None
) -> TaskView:
    ctx = info.context.services
    return await moves.reopen_task(ctx, await caller(info), id, reason, expected_version)
