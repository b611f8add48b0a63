"""Requests signed the way Slack signs them (slack-sdk's algorithm), sent to the real server."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
OPERATOR_ID = "UOPERATOR"
VIEWER_ID = "UVIEWER"


def signed_headers(body: str, secret: str = SIGNING_SECRET, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature or "",
    }


def command_body(text: str, user_id: str = OPERATOR_ID, response_url: str = "") -> str:
    return urlencode(
        {
            "command": "/kanban",
            "text": text,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "response_url": response_url,
            # Unique per request, as Slack's are: the server acts once per trigger_id.
            "trigger_id": f"1.2.{uuid.uuid4().hex}",
        }
    )


def click_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


async def post(
    base_url: str, path: str, body: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    sent = headers if headers is not None else signed_headers(body)
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(f"{base_url}{path}", content=body, headers=sent)


async def command(base_url: str, text: str, user_id: str = OPERATOR_ID) -> str:
    """Run `/kanban <text>` as this Slack user and return the ephemeral reply."""
    response = await post(base_url, "/slack/commands", command_body(text, user_id))
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])
