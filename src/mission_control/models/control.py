"""Board-wide switches (autonomy pause, mode) shared by every server process."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Control(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value: fields.JSONField[Any] = fields.JSONField()

    class Meta:
        table = "controls"
