"""Only requests Slack signed reach a handler: slack-sdk's SignatureVerifier checks the HMAC
and refuses timestamps more than five minutes away."""

from __future__ import annotations

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request


async def signed_body(request: Request, verifier: SignatureVerifier) -> bytes | None:
    """The raw body when the signature and timestamp are good, None otherwise."""
    body = await request.body()
    timestamp = request.headers.get("x-slack-request-timestamp")
    signature = request.headers.get("x-slack-signature")
    if not timestamp or not timestamp.isdigit():
        return None
    return body if verifier.is_valid(body, timestamp, signature) else None
