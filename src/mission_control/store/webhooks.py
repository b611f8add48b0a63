"""The operator's webhook rows: endpoints, their delivery counts and lists, requeue, removal
(the outbox's queue and claims are store/webhook_outbox.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count

from mission_control.models import Webhook, WebhookDelivery
from mission_control.store.views import DeliveryView, WebhookView, delivery_view, webhook_view


async def add_webhook(
    conn: BaseDBAsyncClient,
    url: str,
    secret: str,
    kinds: list[str],
    statuses: list[str],
    agent: str | None,
    at: datetime,
) -> Webhook:
    """A new endpoint row (in a change: it receives nothing until `start_after` is set)."""
    return await Webhook.create(
        url=url,
        secret=secret,
        kinds=kinds,
        statuses=statuses,
        agent_name=agent,
        created_at=at,
        using_db=conn,
    )


async def start_after(conn: BaseDBAsyncClient, hook: Webhook, event_id: int) -> None:
    """The endpoint receives only Events after this one."""
    hook.after_event_id = event_id
    await hook.save(using_db=conn, update_fields=["after_event_id"])


async def live_webhook(webhook_id: int, conn: BaseDBAsyncClient | None = None) -> Webhook | None:
    """The endpoint with this id unless it was removed."""
    hook: Webhook | None = (
        await Webhook.filter(id=webhook_id, removed_at__isnull=True).using_db(conn).first()
    )
    return hook


async def live_webhooks() -> list[WebhookView]:
    """Every live endpoint with its open and given-up delivery counts, oldest first."""
    hooks = await Webhook.filter(removed_at__isnull=True).order_by("id")
    counts: dict[tuple[int, bool, bool], int] = {}
    for row in (
        await WebhookDelivery.filter(webhook_id__in=[h.id for h in hooks])
        .annotate(n=Count("id"))
        .group_by("webhook_id", "failed", "done_at")
        .values("webhook_id", "failed", "done_at", "n")
    ):
        key = (int(row["webhook_id"]), bool(row["failed"]), row["done_at"] is None)
        counts[key] = counts.get(key, 0) + int(row["n"])
    return [
        webhook_view(
            hook,
            pending=counts.get((hook.id, False, True), 0),
            failed=counts.get((hook.id, True, False), 0),
        )
        for hook in hooks
    ]


async def deliveries_of(webhook_id: int, failed_only: bool, first: int) -> list[DeliveryView]:
    """The endpoint's newest `first` deliveries (only the given-up ones with `failed_only`)."""
    query = WebhookDelivery.filter(webhook_id=webhook_id)
    if failed_only:
        query = query.filter(failed=True)
    return [delivery_view(row) for row in await query.order_by("-event_id").limit(first)]


async def count_deliveries(
    conn: BaseDBAsyncClient, webhook_id: int, delivery_ids: Sequence[int]
) -> int:
    """How many of these deliveries are the endpoint's."""
    return await (
        WebhookDelivery.filter(webhook_id=webhook_id, id__in=list(delivery_ids))
        .using_db(conn)
        .count()
    )


async def requeue(
    conn: BaseDBAsyncClient, webhook_id: int, delivery_ids: Sequence[int], at: datetime
) -> int:
    """Make deliveries due again from the first attempt: these ones, or else every given-up
    one. Returns how many."""
    chosen = Q(id__in=list(delivery_ids)) if delivery_ids else Q(failed=True)
    query = WebhookDelivery.filter(chosen, webhook_id=webhook_id).using_db(conn)
    return await query.update(
        done_at=None, failed=False, attempts=0, next_attempt_at=at, claimed_until=None
    )


async def remove(conn: BaseDBAsyncClient, hook: Webhook, at: datetime) -> int:
    """Mark the endpoint removed and give up its open deliveries; returns how many."""
    hook.removed_at = at
    await hook.save(update_fields=["removed_at"], using_db=conn)
    return await (
        WebhookDelivery.filter(webhook_id=hook.id, done_at__isnull=True)
        .using_db(conn)
        .update(done_at=at, failed=True, last_error="webhook removed")
    )
