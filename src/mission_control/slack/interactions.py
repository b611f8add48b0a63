"""Button clicks on notifier messages: grant/decline a claim approval, approve/reject a review.

The decision goes through the services as the clicking user; then the message is rewritten
(chat.update) without its buttons and with who decided, so nobody clicks twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from mission_control.domain.actors import Actor
from mission_control.domain.errors import MissionControlError, ValidationFailed
from mission_control.services import approvals, moves
from mission_control.slack.escape import escape
from mission_control.slack.messages import APPROVE, DECLINE, GRANT, REJECT, decided
from mission_control.store.context import Context

log = logging.getLogger(__name__)

VERDICTS = {GRANT: "Approved", DECLINE: "Declined", APPROVE: "Approved", REJECT: "Rejected"}


@dataclass(frozen=True, slots=True)
class Click:
    user_id: str
    action_id: str
    value: str
    channel: str | None
    ts: str | None
    blocks: list[dict[str, Any]]

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Click:
        actions = payload.get("actions") or [{}]
        message = payload.get("message") or {}
        return cls(
            user_id=str((payload.get("user") or {}).get("id", "")),
            action_id=str(actions[0].get("action_id", "")),
            value=str(actions[0].get("value", "")),
            channel=(payload.get("channel") or {}).get("id"),
            ts=message.get("ts"),
            blocks=list(message.get("blocks") or []),
        )


async def decide(ctx: Context, actor: Actor, click: Click) -> str:
    """Apply the clicked decision; returns the verdict shown on the message."""
    if click.action_id not in VERDICTS or not click.value.isdigit():
        raise ValidationFailed(f"Unknown button {click.action_id!r}.")
    target = int(click.value)
    if click.action_id in (GRANT, DECLINE):
        await approvals.decide_approval(ctx, actor, target, click.action_id == GRANT)
    elif click.action_id == APPROVE:
        await moves.approve_task(ctx, actor, target)
    else:
        await moves.reject_task(ctx, actor, target, f"Rejected in Slack by {actor.name}")
    return VERDICTS[click.action_id]


async def handle_click(ctx: Context, actor: Actor, click: Click, client: AsyncWebClient) -> str:
    """Decide, then rewrite the message; a refused decision leaves the buttons in place."""
    try:
        verdict = await decide(ctx, actor, click)
    except MissionControlError as error:
        return f":warning: {escape(error.message)}"
    if click.channel and click.ts:
        try:
            await client.chat_update(
                channel=click.channel,
                ts=click.ts,
                text=f"{verdict} by <@{click.user_id}>",
                blocks=decided(click.blocks, verdict, click.user_id),
            )
        except SlackApiError as error:
            log.warning("could not update the Slack message %s: %s", click.ts, error)
    return f"{verdict}."
