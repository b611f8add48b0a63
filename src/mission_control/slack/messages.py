"""What a Slack message about an Event says, as Block Kit: title linked to the board, status,
agent, reason, and Approve/Decline or Approve/Reject buttons when a person has to decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from mission_control.domain.events import EventKind, EventRecord
from mission_control.slack.escape import escape
from mission_control.store.views import TaskView

GRANT, DECLINE = "approval_grant", "approval_decline"
APPROVE, REJECT = "review_approve", "review_reject"
DECISION_BLOCK = "decision"

HEADLINES = {
    EventKind.CREATED: "New task",
    EventKind.TRIAGED: "Ready to be picked up",
    EventKind.CLAIMED: "Claimed",
    EventKind.SUBMITTED: "Review requested",
    EventKind.APPROVED: "Done",
    EventKind.REJECTED: "Sent back",
    EventKind.BLOCKED: "Blocked",
    EventKind.UNBLOCKED: "Unblocked",
    EventKind.RELEASED: "Released",
    EventKind.CANCELLED: "Cancelled",
    EventKind.LEASE_EXPIRED: "Lease expired",
    EventKind.APPROVAL_REQUESTED: "Approval needed",
    EventKind.APPROVAL_GRANTED: "Approval granted",
    EventKind.APPROVAL_DECLINED: "Approval declined",
    EventKind.APPROVAL_EXPIRED: "Approval expired",
    EventKind.AUTONOMY_CHANGED: "Autonomy changed",
    EventKind.STUCK: "Stuck",
    EventKind.STUCK_CLEARED: "No longer stuck",
    EventKind.BUDGET_PAUSED: "Paused: budget used up",
    EventKind.BUDGET_RESUMED: "Budget pause lifted",
    EventKind.COMMENTED: "New comment",
    EventKind.REOPENED: "Reopened",
}

REASON_KEYS = ("reason", "feedback", "note", "result", "body")


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]


def task_link(task_id: int, title: str, base_url: str) -> str:
    """The task's title as a link to it on the board."""
    safe = escape(title).replace("|", "¦")  # `|` would end the link's URL part
    return f"<{base_url}/task/{task_id}|#{task_id} {safe}>"


def _facts(event: EventRecord, task: TaskView | None) -> list[str]:
    facts = []
    status = event.to_status or (task.status if task is not None else None)
    if status is not None:
        facts.append(f"*Status:* {str(status).replace('_', ' ')}")
    agent = event.agent_name or (task.assignee if task is not None else None)
    if agent:
        facts.append(f"*Agent:* {escape(agent)}")
    for key in REASON_KEYS:
        if event.payload.get(key):
            facts.append(f"*{key.capitalize()}:* {escape(event.payload[key])}")
    if event.kind is EventKind.PROGRESS and "progress" in event.payload:
        facts.append(f"*Progress:* {event.payload['progress']}%")
    return facts


def _buttons(event: EventRecord, approval_id: int | None) -> ActionsBlock | None:
    if event.kind is EventKind.APPROVAL_REQUESTED and approval_id is not None:
        value = str(approval_id)
        first = ButtonElement(text="Approve", action_id=GRANT, value=value, style="primary")
        second = ButtonElement(text="Decline", action_id=DECLINE, value=value, style="danger")
    elif event.kind is EventKind.SUBMITTED and event.task_id is not None:
        value = str(event.task_id)
        first = ButtonElement(text="Approve", action_id=APPROVE, value=value, style="primary")
        second = ButtonElement(text="Reject", action_id=REJECT, value=value, style="danger")
    else:
        return None
    return ActionsBlock(block_id=DECISION_BLOCK, elements=[first, second])


def render(
    event: EventRecord, task: TaskView | None, base_url: str, approval_id: int | None = None
) -> Message:
    """The message for one Event; `text` is the notification fallback Slack requires."""
    headline = HEADLINES.get(event.kind, event.kind.value.replace("_", " ").capitalize())
    if task is not None:
        subject = task_link(task.id, task.title, base_url)
    elif event.task_id is not None:
        subject = f"#{event.task_id}"
    else:
        subject = f"<{base_url}/|the board>"
    blocks: list[Block] = [SectionBlock(block_id="event", text=f"*{headline}*: {subject}")]
    facts = _facts(event, task)
    if facts:
        blocks.append(SectionBlock(block_id="facts", text="\n".join(facts)))
    blocks.append(
        ContextBlock(
            block_id="actor",
            elements=[MarkdownTextObject(text=f"by {escape(event.actor)} · event {event.id}")],
        )
    )
    buttons = _buttons(event, approval_id)
    if buttons is not None:
        blocks.append(buttons)
    title = escape(task.title) if task is not None else ""
    text = f"{headline}: #{event.task_id} {title}".strip() if event.task_id else headline
    return Message(text=text, blocks=[block.to_dict() for block in blocks])


def decided(blocks: list[dict[str, Any]], verdict: str, user_id: str) -> list[dict[str, Any]]:
    """The clicked message with its buttons replaced by who decided what."""
    kept = [b for b in blocks if b.get("block_id") != DECISION_BLOCK and b.get("type") != "actions"]
    note = ContextBlock(
        block_id="decided", elements=[MarkdownTextObject(text=f"{verdict} by <@{user_id}>")]
    )
    return [*kept, note.to_dict()]
