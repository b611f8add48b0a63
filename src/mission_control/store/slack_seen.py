"""The keys of the signed Slack requests already acted on, shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mission_control.models import SlackSeen


async def record_first_sight(keys: Sequence[str], now: datetime, forget_before: datetime) -> bool:
    """Record the keys (dropping those seen before `forget_before`); False when any of them is
    already there: the request was seen before."""
    await SlackSeen.filter(seen_at__lt=forget_before).delete()
    try:
        async with in_transaction() as conn:
            for key in keys:
                await SlackSeen.create(key=key, seen_at=now, using_db=conn)
    except IntegrityError:
        return False
    return True
