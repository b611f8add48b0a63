"""POST /slack/commands and /slack/interactions, plus the notifier, wired into the app."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from mission_control.runtime import Runtime
from mission_control.slack.client import slack_enabled, web_client
from mission_control.slack.commands import run_command
from mission_control.slack.interactions import Click, handle_click
from mission_control.slack.notifier import Notifier
from mission_control.slack.people import slack_actor
from mission_control.slack.replay import first_time, keys_of
from mission_control.slack.signing import signed_body
from mission_control.web.body_limit import BodySizeLimit

log = logging.getLogger(__name__)

# Slack wants an answer within 3 s; past this, the answer follows through response_url.
REPLY_WITHIN_SECONDS = 2.5

UNAUTHORIZED = JSONResponse({"error": "invalid Slack signature"}, status_code=401)


ALREADY_DONE = "Already handled (Slack sent this request again)."


def _bad_payload(why: str) -> JSONResponse:
    return JSONResponse(
        {"error": f"Malformed Slack payload: {why}.", "code": "BAD_REQUEST"}, status_code=400
    )


def _ephemeral(text: str) -> JSONResponse:
    return JSONResponse({"response_type": "ephemeral", "text": text})


class SlackEndpoints:
    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self._runtime = runtime
        self._verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self._client = web_client(settings)
        self._follow_ups: set[asyncio.Task[None]] = set()

    async def _form(self, request: Request) -> dict[str, str] | None:
        body = await signed_body(request, self._verifier)
        if body is None:
            log.warning("refused a Slack request with a bad, missing or stale signature")
            return None
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

    async def _once(
        self, request: Request, trigger_id: object, work: Callable[[], Awaitable[str]]
    ) -> str:
        """Run the work unless this request (signature) or its trigger was handled already.

        Runs inside the deferred work, so a busy database delays the answer (through
        response_url) instead of failing Slack's three-second reply."""
        keys = keys_of(request.headers.get("x-slack-signature"), trigger_id)
        if await first_time(self._runtime.ctx, keys):
            return await work()
        log.warning(
            "ignored a Slack request already handled (replay or retry %s)",
            request.headers.get("x-slack-retry-num", "-"),
        )
        return ALREADY_DONE

    def _later(self, response_url: str, work: asyncio.Future[str]) -> None:
        async def deliver() -> None:
            try:
                text = await work
            except Exception:
                log.exception("a Slack command or click failed unexpectedly")
                text = ":warning: That failed on the server; the log says why."
            if not response_url:
                return
            try:
                await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral")
            except Exception:
                log.exception("a Slack follow-up reply to %s failed", response_url)

        task = asyncio.create_task(deliver())
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)

    async def commands(self, request: Request) -> Response:
        form = await self._form(request)
        if form is None:
            return UNAUTHORIZED
        actor = slack_actor(self._runtime.settings, form.get("user_id", ""))
        work = asyncio.ensure_future(
            self._once(
                request,
                form.get("trigger_id"),
                lambda: run_command(self._runtime.ctx, actor, form.get("text", "")),
            )
        )
        try:
            return _ephemeral(await asyncio.wait_for(asyncio.shield(work), REPLY_WITHIN_SECONDS))
        except TimeoutError:
            self._later(form.get("response_url", ""), work)
            return _ephemeral("Working on it…")
        except Exception:
            log.exception("the Slack command %r failed unexpectedly", form.get("text", ""))
            return _ephemeral(":warning: That failed on the server; the log says why.")

    async def interactions(self, request: Request) -> Response:
        form = await self._form(request)
        if form is None:
            return UNAUTHORIZED
        try:
            payload = json.loads(form.get("payload", ""))
        except json.JSONDecodeError:
            return _bad_payload("the payload is not JSON")
        if not isinstance(payload, dict):
            return _bad_payload(f"the payload is a JSON {type(payload).__name__}, not an object")
        if payload.get("type") != "block_actions":
            return Response(status_code=200)
        try:
            click = Click.from_payload(payload)
        except (AttributeError, TypeError, KeyError, IndexError):
            return _bad_payload("the block_actions payload does not have Slack's shape")
        actor = slack_actor(self._runtime.settings, click.user_id)
        reply = self._once(
            request,
            payload.get("trigger_id"),
            lambda: handle_click(self._runtime.ctx, actor, click, self._client),
        )
        self._later(str(payload.get("response_url", "")), asyncio.ensure_future(reply))
        return Response(status_code=200)


def leads(runtime: Runtime) -> bool:
    """Whether this process posts to Slack: the one holding the periodic-work leadership.

    With several processes on PostgreSQL, `runtime.leadership` (the advisory-lock leader) says
    which one; a runtime without it is a single process and always posts.
    """
    leadership = getattr(runtime, "leadership", None)
    return leadership is None or bool(leadership.is_leader)


def mount_slack(app: ASGIApp, runtime: Runtime) -> None:
    """Add the Slack routes and the notifier when Slack is configured; otherwise do nothing."""
    settings = runtime.settings
    if not slack_enabled(settings):
        return
    endpoints = SlackEndpoints(runtime)
    limit = settings.max_body_bytes  # read before the signature is checked: keep it bounded
    app.router.routes.extend(  # type: ignore[attr-defined]
        [
            Route(
                "/slack/commands",
                BodySizeLimit(request_response(endpoints.commands), limit),
                methods=["POST"],
            ),
            Route(
                "/slack/interactions",
                BodySizeLimit(request_response(endpoints.interactions), limit),
                methods=["POST"],
            ),
        ]
    )
    if settings.slack_channel:
        runtime.workers.append(
            Notifier(runtime.ctx, runtime.hub, web_client(settings), lambda: leads(runtime))
        )
