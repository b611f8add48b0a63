"""services/auth.py over store/credentials.py: a request's credential is read once per
MC_CREDENTIAL_CACHE_SECONDS, and a revocation is honoured at once in the process that revoked,
on its TOKEN_REVOKED Event in every other one, and after the time to live at worst."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mission_control.domain.actors import OPERATOR, Role
from mission_control.domain.errors import Unauthenticated
from mission_control.domain.events import EventKind, EventRecord
from mission_control.models import Event
from mission_control.services.agents import register_agent
from mission_control.services.auth import authenticate, forget_revoked
from mission_control.services.tokens import issue_person_token, revoke_token
from mission_control.store.context import Context
from tests.services.conftest import Clock
from tests.support.inprocess import StatementLog


async def test_a_token_is_read_once_then_served_from_the_cache(ctx: Context) -> None:
    _, token = await register_agent(ctx, OPERATOR, "dev", [], 1)
    first = await authenticate(ctx, token)
    log = StatementLog()

    with log.recording() as statements:
        again = await authenticate(ctx, token)

    assert again == first and again.role is Role.AGENT and again.name == "dev"
    assert statements == []


async def test_a_revoked_token_is_refused_at_once_by_the_process_that_revoked_it(
    ctx: Context,
) -> None:
    _, token = await register_agent(ctx, OPERATOR, "dev", [], 1)
    actor = await authenticate(ctx, token)  # cached now
    assert actor.credential_id is not None

    await revoke_token(ctx, OPERATOR, actor.credential_id)

    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        await authenticate(ctx, token)


async def revoked_events() -> AsyncIterator[EventRecord]:
    """The TOKEN_REVOKED Events in the log, as another process's hub delivers them."""
    for row in await Event.filter(kind=EventKind.TOKEN_REVOKED.value).order_by("id"):
        yield EventRecord(
            id=row.id,
            kind=EventKind(row.kind),
            actor=row.actor,
            created_at=row.created_at,
            payload=dict(row.payload),
        )


async def test_another_process_drops_a_revoked_token_on_its_event_or_after_the_ttl(
    ctx: Context, clock: Clock
) -> None:
    # Two processes on one database: two Contexts, each with its own cache.
    other = Context(ctx.settings, clock=clock)
    late = Context(ctx.settings, clock=clock)
    _, token = await register_agent(ctx, OPERATOR, "dev", [], 1)
    actor = await authenticate(other, token)
    await authenticate(late, token)
    assert actor.credential_id is not None

    await revoke_token(ctx, OPERATOR, actor.credential_id)
    await forget_revoked(other, revoked_events())  # `other` saw the Event; `late` missed it

    with pytest.raises(Unauthenticated):
        await authenticate(other, token)
    assert await authenticate(late, token) == actor  # the worst case: until the TTL runs out
    clock.advance(ctx.settings.credential_cache_seconds)
    with pytest.raises(Unauthenticated):
        await authenticate(late, token)


async def test_with_a_zero_ttl_every_request_reads_the_row(ctx: Context) -> None:
    uncached = Context(ctx.settings.model_copy(update={"credential_cache_seconds": 0}))
    _, token = await register_agent(ctx, OPERATOR, "dev", [], 1)
    await authenticate(uncached, token)

    with StatementLog().recording() as statements:
        await authenticate(uncached, token)

    assert len(statements) == 1
    assert len(uncached.credentials) == 0


async def test_a_cached_token_is_refused_once_its_expiry_passes(ctx: Context, clock: Clock) -> None:
    # A cache that keeps entries longer than the token lives: expiry is checked on each request.
    keeping = Context(
        ctx.settings.model_copy(update={"credential_cache_seconds": 300}), clock=clock
    )
    _, token = await issue_person_token(ctx, OPERATOR, "pat", Role.VIEWER, 60)
    assert (await authenticate(keeping, token)).name == "pat"

    clock.advance(61)

    with StatementLog().recording() as statements, pytest.raises(Unauthenticated, match="expired"):
        await authenticate(keeping, token)
    assert statements == []  # refused from the cached entry
