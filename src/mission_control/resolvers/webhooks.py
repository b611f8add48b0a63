"""Resolvers of the operator's webhooks: each one calls exactly one service."""

from __future__ import annotations

from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.resolvers.context import Info, caller
from mission_control.services import webhooks
from mission_control.store.views import DeliveryView, WebhookView


async def webhooks_list(info: Info) -> list[WebhookView]:
    return await webhooks.list_webhooks(await caller(info))


async def webhook_deliveries(
    info: Info, webhook_id: int, failed_only: bool, first: int
) -> list[DeliveryView]:
    return await webhooks.deliveries(await caller(info), webhook_id, failed_only, first)


async def register_webhook(
    info: Info,
    url: str,
    kinds: list[EventKind] | None = None,
    statuses: list[TaskStatus] | None = None,
    agent: str | None = None,
) -> tuple[WebhookView, str]:
    spec = webhooks.WebhookSpec(url, kinds or (), statuses or (), agent)
    return await webhooks.register_webhook(info.context.services, await caller(info), spec)


async def replay_webhook_deliveries(
    info: Info, webhook_id: int, delivery_ids: list[int] | None = None
) -> int:
    ctx = info.context.services
    return await webhooks.replay(ctx, await caller(info), webhook_id, delivery_ids or ())


async def remove_webhook(info: Info, id: int) -> int:
    hook = await webhooks.remove_webhook(info.context.services, await caller(info), id)
    return hook.id
