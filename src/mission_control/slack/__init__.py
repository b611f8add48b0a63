"""Slack: the notifier (Events -> channel), the /kanban slash command, and approve buttons."""

from mission_control.slack.client import slack_enabled
from mission_control.slack.routes import mount_slack

__all__ = ["mount_slack", "slack_enabled"]
