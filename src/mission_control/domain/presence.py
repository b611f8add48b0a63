"""What the activity board shows for an agent, derived from what it last said and holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from mission_control.domain.agents import AgentStatus


def effective_status(
    stored: AgentStatus,
    *,
    holding: bool,
    waiting: bool,
    last_seen: datetime,
    now: datetime,
    offline_after_seconds: int,
) -> AgentStatus:
    """Silence beats everything (the agent is offline); then a held task, then a pending ask.

    Computed on read, so no job has to run for an agent to show offline on time.
    """
    if now - last_seen > timedelta(seconds=offline_after_seconds):
        return AgentStatus.OFFLINE
    if holding:
        return AgentStatus.WORKING
    if waiting:
        return AgentStatus.WAITING
    if stored in (AgentStatus.WORKING, AgentStatus.WAITING):
        return AgentStatus.IDLE  # it said so, but it holds nothing and waits for nothing now
    return stored
