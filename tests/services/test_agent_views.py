"""The agents side of issue 10: agents, approvals, tokens and webhooks reach the edges as
frozen read models (store/views.py), and their rows stay in store/ and services/."""

from __future__ import annotations

import dataclasses

import pytest

from mission_control.domain.actors import OPERATOR, Role
from mission_control.domain.agents import AgentStatus, ApprovalStatus
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import Conflict
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Agent, Task, WebhookDelivery
from mission_control.services import agents, approvals, tokens, webhooks
from mission_control.services.agents import register_agent
from mission_control.services.auth import authenticate
from mission_control.services.claims import claim_next
from mission_control.services.control import set_autonomy
from mission_control.store import sessions
from mission_control.store.context import Context
from mission_control.store.views import (
    AgentView,
    ApprovalView,
    DeliveryView,
    TaskView,
    TokenView,
    WebhookView,
)
from tests.support.factories import add_agent, add_task


def _frozen(view: object) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.id = 0  # type: ignore[attr-defined]
    assert not hasattr(view, "__dict__")  # slots: nothing can be added by mistake


async def test_tokens_read_as_frozen_views_that_never_carry_the_secret_or_its_hash(
    ctx: Context,
) -> None:
    await register_agent(ctx, OPERATOR, "dev")
    issued, secret = await tokens.issue_person_token(ctx, OPERATOR, "klein", Role.VIEWER)

    listed = await tokens.list_tokens(ctx, OPERATOR)
    assert all(isinstance(view, TokenView) for view in [issued, *listed])
    assert [(view.name, view.role, view.agent) for view in listed] == [
        ("dev", Role.AGENT, "dev"),
        ("klein", Role.VIEWER, None),
    ]
    assert "token_hash" not in {f.name for f in dataclasses.fields(TokenView)}
    assert (await authenticate(ctx, secret)).name == "klein"
    _frozen(issued)


async def test_a_rotated_token_is_a_new_view_and_the_old_one_reads_revoked(
    ctx: Context,
) -> None:
    issued, old_secret = await tokens.issue_person_token(
        ctx, OPERATOR, "klein", Role.OPERATOR, expires_in_seconds=3600
    )

    fresh, new_secret = await tokens.rotate_token(ctx, OPERATOR, issued.id)

    assert fresh.id != issued.id and (fresh.name, fresh.role) == ("klein", Role.OPERATOR)
    assert fresh.expires_at is not None and fresh.revoked_at is None
    everyone = await tokens.list_tokens(ctx, OPERATOR, include_revoked=True)
    assert [(view.id, view.revoked_at is not None) for view in everyone] == [
        (issued.id, True),
        (fresh.id, False),
    ]
    assert (await authenticate(ctx, new_secret)).name == "klein"
    with pytest.raises(Conflict):
        await tokens.revoke_token(ctx, OPERATOR, issued.id)
    assert old_secret != new_secret


async def test_a_login_code_is_taken_once(ctx: Context) -> None:
    now = ctx.clock()
    await sessions.add_login_code("code-hash", "token-hash", now, now)

    first = await sessions.take_login_code("code-hash")

    assert first is not None and first.token_hash == "token-hash"
    assert await sessions.take_login_code("code-hash") is None


async def test_webhooks_read_as_views_with_their_delivery_counts_and_no_secret(
    ctx: Context,
) -> None:
    spec = webhooks.WebhookSpec(
        "https://hooks.example.com/in", kinds=[EventKind.SUBMITTED], statuses=[TaskStatus.DONE]
    )
    registered, _secret = await webhooks.register_webhook(ctx, OPERATOR, spec)
    for event_id, failed in ((1, True), (2, False)):
        await WebhookDelivery.create(
            webhook_id=registered.id,
            event_id=event_id,
            created_at=ctx.clock(),
            next_attempt_at=ctx.clock(),
            failed=failed,
            done_at=ctx.clock() if failed else None,
        )

    (listed,) = await webhooks.list_webhooks(OPERATOR)
    handed = await webhooks.deliveries(OPERATOR, registered.id)

    assert isinstance(listed, WebhookView) and (registered.pending, registered.failed) == (0, 0)
    assert (listed.kinds, listed.statuses) == ((EventKind.SUBMITTED,), (TaskStatus.DONE,))
    assert (listed.pending, listed.failed) == (1, 1)
    assert "secret" not in {f.name for f in dataclasses.fields(WebhookView)}
    assert [(d.event_id, d.failed) for d in handed] == [(2, False), (1, True)]
    assert all(isinstance(d, DeliveryView) for d in handed)
    removed = await webhooks.remove_webhook(ctx, OPERATOR, registered.id)
    assert removed.id == registered.id and await webhooks.list_webhooks(OPERATOR) == []
    _frozen(listed)


async def test_agents_and_what_they_hold_read_as_views_with_their_status_and_load(
    ctx: Context,
) -> None:
    dev = await add_agent(ctx, "dev", skills=["api"])
    await add_agent(ctx, "ops")
    task = await add_task(ctx, "Ship it", tags=["api"])
    await claim_next(ctx, dev)

    beat = await agents.heartbeat(ctx, dev, note="on it")
    listed = await agents.list_agents(ctx)
    doing = await agents.current_tasks([view.id for view in listed])
    paused = await agents.pause_agent(ctx, OPERATOR, "ops")

    assert all(isinstance(v, AgentView) and not isinstance(v, Agent) for v in [beat, *listed])
    assert [(v.name, v.status) for v in listed] == [
        ("dev", AgentStatus.WORKING),
        ("ops", AgentStatus.IDLE),
    ]
    assert (beat.note, beat.skills, beat.current_load) == ("on it", ("api",), 100)
    assert paused.paused and (await agents.get_agent("ops", ctx)).paused
    (held,) = doing.values()
    assert isinstance(held, TaskView) and (held.id, held.assignee) == (task.id, "dev")
    released = await agents.cancel_agent_work(ctx, OPERATOR, "dev", "stop")
    assert isinstance(released, TaskView) and not isinstance(released, Task)
    assert (released.id, released.assignee) == (task.id, None)
    _frozen(beat)


async def test_approvals_read_as_views_with_their_task_and_agent_by_name(ctx: Context) -> None:
    dev = await add_agent(ctx, "dev", skills=["api"])
    task = await add_task(ctx, "Ship it", tags=["api"])
    await set_autonomy(ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    asked = await claim_next(ctx, dev)
    assert asked.approval_id is not None

    (pending,) = await approvals.list_approvals()
    granted = await approvals.decide_approval(ctx, OPERATOR, pending.id, approve=True)

    assert isinstance(pending, ApprovalView) and isinstance(granted, ApprovalView)
    assert (pending.agent, pending.task.id, pending.task.tags) == ("dev", task.id, ("api",))
    assert (granted.status, granted.decided_by) == (ApprovalStatus.GRANTED, "operator")
    assert (granted.task.assignee, granted.task.status.value) == ("dev", "in_progress")
    _frozen(granted)
