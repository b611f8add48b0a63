"""The Slack Web API client, with slack-sdk's own retries for 429s and dropped connections."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from mission_control.settings import Settings

# A 429 is retried after its Retry-After; longer outages are left to the outbox's backoff, so
# one message never holds the drain for long.
RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
TIMEOUT_SECONDS = 10


def slack_enabled(settings: Settings) -> bool:
    """Slack is on only when the bot can post and requests can be verified."""
    return bool(settings.slack_bot_token and settings.slack_signing_secret)


def web_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )
