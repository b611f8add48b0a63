"""Board sessions in the database, and one-time login codes.

A browser that logs in gets a fresh random session id (a new one at every login, so a planted
id is worthless) in an HttpOnly cookie; the database keeps only its SHA-256 and the hash of the
token it logged in with. Any process behind a round-robin proxy, and any process after a
restart, finds the session; each page and each click re-authenticates the token, so revoking
the token (which also deletes its sessions) logs the browser out at its next click.

A login link carries a one-time code (valid LOGIN_CODE_MINUTES), never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from mission_control.domain.actors import Actor
from mission_control.domain.errors import Unauthenticated
from mission_control.services.auth import authenticate_hash, hash_token
from mission_control.store import sessions
from mission_control.store.context import Context

LOGIN_CODE_MINUTES = 10
SESSION_COOKIE = "mc_session"
# The GraphQL playground's proof that a request with the session cookie comes from its own page.
CSRF_HEADER = "X-MC-CSRF"
CSRF_PARAM = "csrf"
_CSRF_PURPOSE = b"mission-control graphql playground csrf"


async def create_login_code(ctx: Context, token_hash: str) -> str:
    """A code that logs a browser in once as the token with this hash."""
    code = secrets.token_urlsafe(24)
    now = ctx.clock()
    expires_at = now + timedelta(minutes=LOGIN_CODE_MINUTES)
    await sessions.add_login_code(hash_token(code), token_hash, expires_at, now)
    return code


async def redeem_login_code(ctx: Context, code: str) -> str:
    """The token hash a code stands for; the code is used up (a second use is refused)."""
    link = await sessions.take_login_code(hash_token(code))
    if link is None or link.expires_at <= ctx.clock():
        raise Unauthenticated("This login link is used up or expired; ask for a new one.")
    return link.token_hash


async def start_session(ctx: Context, token_hash: str) -> tuple[str, Actor]:
    """Check the token and open a session for it; returns the new session id."""
    actor = await authenticate_hash(ctx, token_hash)
    session_id = secrets.token_urlsafe(32)
    now = ctx.clock()
    expires_at = now + timedelta(hours=ctx.settings.session_hours)
    await sessions.add_session(hash_token(session_id), token_hash, now, expires_at)
    return session_id, actor


async def session_actor(ctx: Context, session_id: str | None) -> Actor:
    """Who the session stands for now (its token re-checked), or UNAUTHENTICATED."""
    if not session_id:
        raise Unauthenticated("Not logged in.")
    id_hash = hash_token(session_id)
    link = await sessions.session_link(id_hash)
    if link is None or link.expires_at <= ctx.clock():
        raise Unauthenticated("Your session has ended; log in again.")
    try:
        return await authenticate_hash(ctx, link.token_hash)
    except Unauthenticated:
        await sessions.delete_session(id_hash)
        raise


async def end_session(session_id: str | None) -> None:
    if session_id:
        await sessions.delete_session(hash_token(session_id))


def csrf_token(session_id: str) -> str:
    """The anti-CSRF value of a session, embedded in the playground page it serves.

    Keyed by the session id, which only the browser's HttpOnly cookie holds: another site can
    make the browser send the cookie but can neither read this value nor compute it, and the
    value does not give the session id away.
    """
    return hmac.new(session_id.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


async def csrf_session_actor(ctx: Context, session_id: str, csrf: str | None) -> Actor:
    """Who a request carrying the session cookie stands for, if it also carries the session's
    anti-CSRF value; UNAUTHENTICATED otherwise (a cookie alone proves nothing)."""
    if not csrf or not hmac.compare_digest(csrf.encode(), csrf_token(session_id).encode()):
        raise Unauthenticated(
            f"A board session cookie is accepted only with the playground's {CSRF_HEADER} "
            f"header (or '{CSRF_PARAM}' in connection_init); otherwise send "
            "'Authorization: Bearer <token>'."
        )
    return await session_actor(ctx, session_id)
