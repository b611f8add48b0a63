"""Slack users as board actors: allow-listed ids act as the operator, everyone else reads."""

from __future__ import annotations

from mission_control.domain.actors import Actor, Role
from mission_control.settings import Settings


def slack_actor(settings: Settings, user_id: str) -> Actor:
    """The actor a Slack user acts as; the name keeps who it was in the audit log."""
    role = Role.OPERATOR if user_id in settings.slack_operators else Role.VIEWER
    return Actor(role, f"slack:{user_id}")
