"""The operator's board-wide switches: global pause and autonomy mode (auto or manual).

Stored in the Control table so every server process sees the same switch; until the operator
sets one, the mode is the configured default (MC_AUTONOMY).
"""

from __future__ import annotations

from mission_control.domain.actors import Actor
from mission_control.domain.control import Autonomy, AutonomyMode, autonomy_of
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_operator
from mission_control.store import holding
from mission_control.store.claims import Connection
from mission_control.store.context import Context
from mission_control.store.journal import change

__all__ = ["Autonomy", "get_autonomy", "set_autonomy"]


async def get_autonomy(ctx: Context, conn: Connection | None = None) -> Autonomy:
    """The current switches; the mode falls back to the configured default when never set."""
    return autonomy_of(await holding.autonomy_value(conn), ctx.settings.autonomy)


async def set_autonomy(
    ctx: Context, actor: Actor, paused: bool | None = None, mode: AutonomyMode | None = None
) -> Autonomy:
    """Pause or resume all pickups, or switch between auto and manual (operator only)."""
    require_operator(actor, "change autonomy")
    async with change(ctx) as ch:
        before = await get_autonomy(ctx, ch.conn)
        after = Autonomy(
            paused=before.paused if paused is None else paused,
            mode=before.mode if mode is None else AutonomyMode(mode),
        )
        if after == before:
            return after
        value = {"paused": after.paused, "mode": str(after.mode)}
        await holding.save_autonomy(ch.conn, value)
        ch.record(
            EventKind.AUTONOMY_CHANGED, actor.label, paused=after.paused, mode=str(after.mode)
        )
    return after
