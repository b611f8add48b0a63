"""GraphQL types of outbound webhooks: an endpoint with its filter and health, a delivery."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.schema.types import EventKind, TaskStatus
from mission_control.store.views import DeliveryView, WebhookView


@strawberry.type(description="An endpoint that receives the Events its filter matches.")
class Webhook:
    id: int
    url: str
    kinds: list[EventKind] = strawberry.field(description="Only these kinds; empty: all.")
    statuses: list[TaskStatus] = strawberry.field(
        description="Only moves from or to these statuses; empty: all."
    )
    agent: str | None
    created_at: datetime
    last_status: int | None = strawberry.field(
        description="HTTP status of the last attempt (0: no answer)."
    )
    last_error: str | None
    last_attempt_at: datetime | None
    last_delivered_at: datetime | None
    failures: int = strawberry.field(description="Failed attempts since the last delivery.")
    pending: int = strawberry.field(description="Deliveries not yet done.")
    failed: int = strawberry.field(description="Deliveries given up; replay them.")

    @classmethod
    def from_view(cls, view: WebhookView) -> Webhook:
        return cls(
            id=view.id,
            url=view.url,
            kinds=list(view.kinds),
            statuses=list(view.statuses),
            agent=view.agent,
            created_at=view.created_at,
            last_status=view.last_status,
            last_error=view.last_error,
            last_attempt_at=view.last_attempt_at,
            last_delivered_at=view.last_delivered_at,
            failures=view.failures,
            pending=view.pending,
            failed=view.failed,
        )


@strawberry.type
class WebhookRegistration:
    webhook: Webhook
    secret: str = strawberry.field(
        description="The signing secret (whsec_…), shown only this once."
    )


@strawberry.type(description="One Event sent (or to be sent) to one webhook.")
class WebhookDelivery:
    id: int
    event_id: int
    task_id: int | None
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime
    done_at: datetime | None
    failed: bool

    @classmethod
    def from_view(cls, view: DeliveryView) -> WebhookDelivery:
        return cls(
            id=view.id,
            event_id=view.event_id,
            task_id=view.task_id,
            attempts=view.attempts,
            last_status=view.last_status,
            last_error=view.last_error,
            next_attempt_at=view.next_attempt_at,
            done_at=view.done_at,
            failed=view.failed,
        )
