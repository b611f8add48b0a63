"""Tortoise models: the tables behind the board. Only services/ writes them."""

from mission_control.models.agents import Agent, Approval, Credential
from mission_control.models.comments import Comment
from mission_control.models.control import Control
from mission_control.models.events import Event
from mission_control.models.security import BoardSession, LoginCode, SlackSeen
from mission_control.models.slack import SlackOutbox, SlackThread
from mission_control.models.tasks import Task, TaskDependency
from mission_control.models.usage import Budget, UsageTotal
from mission_control.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "Agent",
    "Approval",
    "BoardSession",
    "Budget",
    "Comment",
    "Control",
    "Credential",
    "Event",
    "LoginCode",
    "SlackOutbox",
    "SlackSeen",
    "SlackThread",
    "Task",
    "TaskDependency",
    "UsageTotal",
    "Webhook",
    "WebhookDelivery",
]
