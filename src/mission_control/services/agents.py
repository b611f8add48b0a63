"""Registering agents and the operator's controls over them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mission_control.domain import tasks as rules
from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Conflict, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.models import Agent
from mission_control.services.auth import issue_token
from mission_control.services.context import Context
from mission_control.services.journal import change
from mission_control.services.tasks import require_operator

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def clean_agent_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise ValidationFailed(
            f"Agent name {name[:64]!r} is not valid: use up to 64 lower-case letters, digits, "
            f"- and _.",
            field="name",
        )
    return name


async def register_agent(
    ctx: Context, actor: Actor, name: str, skills: Sequence[str] = (), wip_limit: int = 1
) -> tuple[Agent, str]:
    """Add an agent with its skills; returns it and its token (shown once, stored hashed)."""
    require_operator(actor, "add agents")
    name = clean_agent_name(name)
    cleaned = rules.clean_tags(skills)
    if not 1 <= wip_limit <= 100:
        raise ValidationFailed("The WIP limit is between 1 and 100.", field="wip_limit")
    if await Agent.exists(name=name):
        raise Conflict(f"An agent named {name!r} already exists.", agent=name)
    async with change(ctx) as ch:
        agent = await Agent.create(
            name=name, skills=cleaned, wip_limit=wip_limit, created_at=ch.now, using_db=ch.conn
        )
        token = await issue_token(ctx, Role.AGENT, name, agent.id, ch.conn)
        ch.record(EventKind.AGENT_REGISTERED, actor.label, agent_name=name, skills=cleaned)
    return agent, token
