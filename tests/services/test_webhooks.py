"""The operator's webhook use cases write their Event with the change: register, replay, remove;
a refused one writes nothing."""

from __future__ import annotations

import pytest

from mission_control.domain.actors import OPERATOR
from mission_control.domain.errors import NotFound, ValidationFailed
from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Event, Webhook, WebhookDelivery
from mission_control.services import webhooks
from mission_control.services.tasks import TaskDraft, create_task
from mission_control.services.webhooks import WebhookSpec
from mission_control.store import webhook_outbox
from mission_control.store.context import Context
from mission_control.store.journal import to_record
from tests.services.events import event_count
from tests.support.inprocess import StatementLog

SECRET_PATH = "https://hooks.example.com:8443/services/T0/B0/s3cr3t?key=hush"


async def last_event() -> Event:
    event = await Event.all().order_by("-id").first()
    assert event is not None
    return event


async def failed_delivery(ctx: Context, webhook_id: int, event_id: int) -> WebhookDelivery:
    return await WebhookDelivery.create(
        webhook_id=webhook_id,
        event_id=event_id,
        created_at=ctx.clock(),
        next_attempt_at=ctx.clock(),
        attempts=3,
        failed=True,
        done_at=ctx.clock(),
    )


async def test_registering_a_webhook_is_an_event_that_shows_no_secret(ctx: Context) -> None:
    hook, secret = await webhooks.register_webhook(
        ctx, OPERATOR, WebhookSpec(SECRET_PATH, kinds=[EventKind.SUBMITTED])
    )

    event = await last_event()
    assert event.kind == EventKind.WEBHOOK_REGISTERED and event.actor == "operator"
    assert event.payload == {
        "webhook_id": hook.id,
        "endpoint": "https://hooks.example.com:8443",
        "kinds": ["submitted"],
    }
    assert "s3cr3t" not in str(event.payload) and secret not in str(event.payload)
    stored = await Webhook.get(id=hook.id)
    assert stored.after_event_id == event.id  # its own registration predates it


async def test_replaying_and_removing_a_webhook_are_events(ctx: Context) -> None:
    hook, _ = await webhooks.register_webhook(ctx, OPERATOR, WebhookSpec(SECRET_PATH))
    delivery = await failed_delivery(ctx, hook.id, (await last_event()).id)

    replayed = await webhooks.replay(ctx, OPERATOR, hook.id)
    replay_event = await last_event()
    await webhooks.remove_webhook(ctx, OPERATOR, hook.id)
    removal = await last_event()

    assert replayed == 1
    assert replay_event.kind == EventKind.WEBHOOK_REPLAYED
    assert replay_event.payload == {
        "webhook_id": hook.id,
        "endpoint": "https://hooks.example.com:8443",
        "replayed": 1,
    }
    assert removal.kind == EventKind.WEBHOOK_REMOVED
    assert removal.payload["webhook_id"] == hook.id and removal.payload["dropped"] == 1
    after = await WebhookDelivery.get(id=delivery.id)
    assert after.failed and after.last_error == "webhook removed"


async def test_a_refused_replay_or_removal_writes_no_event(ctx: Context) -> None:
    hook, _ = await webhooks.register_webhook(ctx, OPERATOR, WebhookSpec(SECRET_PATH))
    delivery = await failed_delivery(ctx, hook.id, (await last_event()).id)
    before = await event_count()

    with pytest.raises(NotFound):
        await webhooks.replay(ctx, OPERATOR, hook.id, [delivery.id, 999])
    with pytest.raises(NotFound):
        await webhooks.remove_webhook(ctx, OPERATOR, 999)

    assert await event_count() == before
    assert (await WebhookDelivery.get(id=delivery.id)).failed  # not requeued


async def test_a_webhook_cannot_follow_superseded_output_events(ctx: Context) -> None:
    before = await event_count()
    with pytest.raises(ValidationFailed, match="OUTPUT"):
        await webhooks.register_webhook(
            ctx, OPERATOR, WebhookSpec(SECRET_PATH, kinds=[EventKind.SUBMITTED, EventKind.OUTPUT])
        )
    assert await event_count() == before and await Webhook.all().count() == 0


async def _events_after(event_id: int) -> list[EventRecord]:
    return [to_record(e) for e in await Event.filter(id__gt=event_id).order_by("id")]


async def test_a_follower_reads_the_webhooks_once_and_again_only_after_they_change(
    ctx: Context,
) -> None:
    """Every process follows every Event: the live webhooks are read once, then again only
    after an Event that registers, replays or removes one, which it still honours at once."""
    first, _ = await webhooks.register_webhook(ctx, OPERATOR, WebhookSpec(SECRET_PATH))
    start = (await last_event()).id
    live = webhook_outbox.LiveWebhooks()
    for n in range(3):
        await create_task(ctx, OPERATOR, TaskDraft(title=f"task {n}"))

    with StatementLog().recording() as statements:
        for event in await _events_after(start):
            await webhook_outbox.queue_events(ctx, [event], event.id, live=live)
    reads = [s for s in statements if 'FROM "webhooks"' in s]
    assert len(reads) == 1, "one read of the webhooks for three Events"

    second, _ = await webhooks.register_webhook(ctx, OPERATOR, WebhookSpec(SECRET_PATH + "2"))
    registered = (await last_event()).id
    await webhooks.remove_webhook(ctx, OPERATOR, first.id)
    await create_task(ctx, OPERATOR, TaskDraft(title="after both"))
    for event in await _events_after(registered - 1):
        await webhook_outbox.queue_events(ctx, [event], event.id, live=live)

    last = (await last_event()).id
    got = {d.webhook_id for d in await WebhookDelivery.filter(event_id=last)}
    assert got == {second.id}, "the new webhook gets it, the removed one does not"
