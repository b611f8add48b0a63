"""What an agent is doing, as the activity board shows it."""

from __future__ import annotations

from enum import StrEnum


class AgentStatus(StrEnum):
    IDLE = "idle"
    WORKING = "working"
    WAITING = "waiting"
    BLOCKED = "blocked"
    OFFLINE = "offline"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    DECLINED = "declined"
    EXPIRED = "expired"


class ClaimOutcome(StrEnum):
    """What asking for the next task gave an agent."""

    CLAIMED = "claimed"
    AWAITING_APPROVAL = "awaiting_approval"
    NOTHING = "nothing"
