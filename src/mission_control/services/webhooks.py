"""The operator's webhooks: register an endpoint with an Event filter, see how its deliveries
fare, replay them, remove it. Sending is `webhooks/sender.py`'s job (its rows:
`store/webhook_outbox.py`)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from mission_control.domain.actors import Actor
from mission_control.domain.errors import NotFound, ValidationFailed
from mission_control.domain.events import SUPERSEDED, EventKind
from mission_control.domain.permissions import require_operator
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Webhook
from mission_control.store import webhooks as rows
from mission_control.store.context import Context
from mission_control.store.journal import Change, change
from mission_control.store.views import DeliveryView, WebhookView, webhook_view

SECRET_BYTES = 24
DELIVERIES_MAX = 500


@dataclass(frozen=True)
class WebhookSpec:
    """What the operator asks for: where, and which Events (empty parts match all)."""

    url: str
    kinds: Sequence[EventKind] = ()
    statuses: Sequence[TaskStatus] = ()
    agent: str | None = None


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


async def register_webhook(
    ctx: Context, actor: Actor, spec: WebhookSpec
) -> tuple[WebhookView, str]:
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
        webhook = await rows.add_webhook(ch.conn, url, secret, kinds, statuses, agent, ch.now)
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
        await rows.start_after(ch.conn, webhook, max(event.id for event in ch.written))
    return webhook_view(webhook), secret


async def list_webhooks(actor: Actor) -> list[WebhookView]:
    """Every live webhook with its last status, failures and open/failed delivery counts."""
    require_operator(actor, "see webhooks")
    return await rows.live_webhooks()


async def _live(webhook_id: int, ch: Change | None = None) -> Webhook:
    hook = await rows.live_webhook(webhook_id, ch.conn if ch is not None else None)
    if hook is None:
        raise NotFound(f"There is no webhook #{webhook_id}.", webhook_id=webhook_id)
    return hook


async def deliveries(
    actor: Actor, webhook_id: int, failed_only: bool = False, first: int = 50
) -> list[DeliveryView]:
    """A webhook's deliveries, newest first: attempts, last status and error, done or not."""
    require_operator(actor, "see webhook deliveries")
    if not 1 <= first <= DELIVERIES_MAX:
        raise ValidationFailed(f"Ask for 1 to {DELIVERIES_MAX} deliveries.", field="first")
    await _live(webhook_id)
    return await rows.deliveries_of(webhook_id, failed_only, first)


async def replay(
    ctx: Context, actor: Actor, webhook_id: int, delivery_ids: Sequence[int] = ()
) -> int:
    """Send deliveries again from the first attempt: the named ones (delivered or not), or
    else every failed one. Returns how many were requeued (Event WEBHOOK_REPLAYED)."""
    require_operator(actor, "replay webhook deliveries")
    async with change(ctx) as ch:
        hook = await _live(webhook_id, ch)
        wanted = sorted(set(delivery_ids))
        if wanted and await rows.count_deliveries(ch.conn, webhook_id, wanted) != len(wanted):
            raise NotFound(
                f"Some of deliveries {wanted} are not webhook #{webhook_id}'s.",
                webhook_id=webhook_id,
            )
        count = await rows.requeue(ch.conn, webhook_id, wanted, ch.now)
        ch.record(
            EventKind.WEBHOOK_REPLAYED,
            actor.label,
            webhook_id=webhook_id,
            endpoint=endpoint_of(hook.url),
            deliveries=wanted or None,
            replayed=count,
        )
    return count


async def remove_webhook(ctx: Context, actor: Actor, webhook_id: int) -> WebhookView:
    """Stop sending to this endpoint; its open deliveries are dropped (Event WEBHOOK_REMOVED)."""
    require_operator(actor, "remove webhooks")
    async with change(ctx) as ch:
        hook = await _live(webhook_id, ch)
        dropped = await rows.remove(ch.conn, hook, ch.now)
        ch.record(
            EventKind.WEBHOOK_REMOVED,
            actor.label,
            webhook_id=webhook_id,
            endpoint=endpoint_of(hook.url),
            dropped=dropped,
        )
    return webhook_view(hook)
