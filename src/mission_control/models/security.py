"""Board sessions, one-time login codes and the Slack requests already seen."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class BoardSession(Model):
    """A logged-in browser: the hash of its cookie and of the token it logged in with."""

    id_hash = fields.CharField(max_length=64, primary_key=True)
    token_hash = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "board_sessions"


class LoginCode(Model):
    """A short-lived code that logs a browser in once, so links never carry a token."""

    code_hash = fields.CharField(max_length=64, primary_key=True)
    token_hash = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "login_codes"


class SlackSeen(Model):
    """A Slack request signature or trigger already handled (kept for the replay window)."""

    key = fields.CharField(max_length=200, primary_key=True)
    seen_at = fields.DatetimeField()

    class Meta:
        table = "slack_seen"
