"""Outbound webhooks: Events sent to the operator's endpoints, signed per Standard Webhooks."""

from mission_control.webhooks.sender import WebhookSender

__all__ = ["WebhookSender"]
