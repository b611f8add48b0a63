"""The operator's webhooks: register an endpoint with an Event filter, see how its deliveries
fare, replay them, remove it. Sending is `webhooks/sender.py`'s job (`webhooks/outbox.py`)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tortoise.functions import Count

from mission_control.domain.actors import Actor
from mission_control.domain.errors import NotFound, ValidationFailed
from mission_control.domain.events import SUPERSEDED, EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Webhook, WebhookDelivery
from mission_control.store.context import Context
from mission_control.store.journal import Change, change

SECRET_BYTES = 24
DELIVERIES_MAX = 500


@dataclass(frozen=True)
class WebhookSpec:
    """What the operator asks for: where, and which Events (empty parts match all)."""

    url: str
    kinds: Sequence[EventKind] = ()
    statuses: Sequence[TaskStatus] = ()
    agent: str | None = None


@dataclass(frozen=True)
class WebhookState:
    """A webhook as the operator sees it: its filter and how delivery goes."""

    webhook: Webhook
    pending: int
    failed: int


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of random bytes (the HMAC key)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ValidationFailed(
            "A webhook URL is an http:// or https:// address with a host, at most 2000 characters.",
            field="url",
        )
    return url


def endpoint_of(url: str) -> str:
    """The part of a webhook URL the audit log shows: scheme and host, never the path or query
    (endpoints often carry a secret there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


async def register_webhook(ctx: Context, actor: Actor, spec: WebhookSpec) -> tuple[Webhook, str]:
    """Add an endpoint; it receives the matching Events after its own WEBHOOK_REGISTERED Event.
    Returns it and its signing secret (shown this once)."""
    require_operator(actor, "register webhooks")
    url = clean_url(spec.url)
    if superseded := sorted(set(spec.kinds) & SUPERSEDED):
        raise ValidationFailed(
            f"A webhook cannot follow {', '.join(k.name for k in superseded)} Events: each one "
            f"is replaced by the next within seconds (read Agent.outputTail instead).",
            field="kinds",
        )
    secret = new_secret()
    kinds = sorted({str(kind) for kind in spec.kinds})
    statuses = sorted({str(status) for status in spec.statuses})
    agent = spec.agent.strip().lower() if spec.agent else None
    async with change(ctx) as ch:
        webhook = await Webhook.create(
            url=url,
            secret=secret,
            kinds=kinds,
            statuses=statuses,
            agent_name=agent,
            created_at=ch.now,
            using_db=ch.conn,
        )
        ch.record(
            EventKind.WEBHOOK_REGISTERED,
            actor.label,
            webhook_id=webhook.id,
            endpoint=endpoint_of(url),
            kinds=kinds or None,
            statuses=statuses or None,
            agent=agent,
        )
        await ch.flush()  # the Event's id: every Event up to it predates the webhook
        webhook.after_event_id = max(event.id for event in ch.written)
        await webhook.save(using_db=ch.conn, update_fields=["after_event_id"])
    return webhook, secret


async def list_webhooks(actor: Actor) -> list[WebhookState]:
    """Every live webhook with its last status, failures and open/failed delivery counts."""
    require_operator(actor, "see webhooks")
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
        WebhookState(
            hook,
            pending=counts.get((hook.id, False, True), 0),
            failed=counts.get((hook.id, True, False), 0),
        )
        for hook in hooks
    ]


async def _live(webhook_id: int, ch: Change | None = None) -> Webhook:
    rows = Webhook.filter(id=webhook_id, removed_at__isnull=True)
    hook = await (rows.using_db(ch.conn) if ch is not None else rows).first()
    if hook is None:
        raise NotFound(f"There is no webhook #{webhook_id}.", webhook_id=webhook_id)
    return hook


async def deliveries(
    actor: Actor, webhook_id: int, failed_only: bool = False, first: int = 50
) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first: attempts, last status and error, done or not."""
    require_operator(actor, "see webhook deliveries")
    if not 1 <= first <= DELIVERIES_MAX:
        raise ValidationFailed(f"Ask for 1 to {DELIVERIES_MAX} deliveries.", field="first")
    await _live(webhook_id)
    query = WebhookDelivery.filter(webhook_id=webhook_id)
    if failed_only:
        query = query.filter(failed=True)
    return list(await query.order_by("-event_id").limit(first))


async def replay(
    ctx: Context, actor: Actor, webhook_id: int, delivery_ids: Sequence[int] = ()
) -> int:
    """Send deliveries again from the first attempt: the named ones (delivered or not), or
    else every failed one. Returns how many were requeued (Event WEBHOOK_REPLAYED)."""
    require_operator(actor, "replay webhook deliveries")
    async with change(ctx) as ch:
        hook = await _live(webhook_id, ch)
        query = WebhookDelivery.filter(webhook_id=webhook_id).using_db(ch.conn)
        if delivery_ids:
            query = query.filter(id__in=list(delivery_ids))
            found = await query.count()
            if found != len(set(delivery_ids)):
                raise NotFound(
                    f"Some of deliveries {sorted(set(delivery_ids))} are not webhook "
                    f"#{webhook_id}'s.",
                    webhook_id=webhook_id,
                )
        else:
            query = query.filter(failed=True)
        count = await query.update(
            done_at=None, failed=False, attempts=0, next_attempt_at=ch.now, claimed_until=None
        )
        ch.record(
            EventKind.WEBHOOK_REPLAYED,
            actor.label,
            webhook_id=webhook_id,
            endpoint=endpoint_of(hook.url),
            deliveries=sorted(set(delivery_ids)) or None,
            replayed=count,
        )
    return count


async def remove_webhook(ctx: Context, actor: Actor, webhook_id: int) -> Webhook:
    """Stop sending to this endpoint; its open deliveries are dropped (Event WEBHOOK_REMOVED)."""
    require_operator(actor, "remove webhooks")
    async with change(ctx) as ch:
        hook = await _live(webhook_id, ch)
        hook.removed_at = ch.now
        await hook.save(update_fields=["removed_at"], using_db=ch.conn)
        dropped = (
            await WebhookDelivery.filter(webhook_id=webhook_id, done_at__isnull=True)
            .using_db(ch.conn)
            .update(done_at=ch.now, failed=True, last_error="webhook removed")
        )
        ch.record(
            EventKind.WEBHOOK_REMOVED,
            actor.label,
            webhook_id=webhook_id,
            endpoint=endpoint_of(hook.url),
            dropped=dropped,
        )
    return hook
