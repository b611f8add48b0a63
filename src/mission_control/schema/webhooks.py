"""GraphQL types of outbound webhooks: an endpoint with its filter and health, a delivery."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mission_control.domain.events import EventKind as DomainEventKind
from mission_control.domain.workflow import TaskStatus as DomainTaskStatus
from mission_control.schema.types import EventKind, TaskStatus
from mission_control.services.webhooks import WebhookState
from mission_control.store.views import DeliveryView


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
    def from_state(cls, state: WebhookState) -> Webhook:
        hook = state.webhook
        return cls(
            id=hook.id,
            url=hook.url,
            kinds=[DomainEventKind(kind) for kind in hook.kinds],
            statuses=[DomainTaskStatus(status) for status in hook.statuses],
            agent=hook.agent_name,
            created_at=hook.created_at,
            last_status=hook.last_status,
            last_error=hook.last_error,
            last_attempt_at=hook.last_attempt_at,
            last_delivered_at=hook.last_delivered_at,
            failures=hook.failures,
            pending=state.pending,
            failed=state.failed,
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
