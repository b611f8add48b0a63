"""The HTTP edge of /graphql: every client mistake is a 400 with a GraphQL-shaped, coded error.

Strawberry answers some mistakes with plain text (malformed JSON, a wrong content type), one
with a 500 (a JSON body that is not an object) and lets others reach the resolvers (a lone
surrogate, which no database stores). This mixin, put in front of strawberry's view, checks
the parsed body first and turns every refusal into
`{"data": null, "errors": [{"message": …, "extensions": {"code": …}}]}`. A database that went
away mid-request is a 503 UNAVAILABLE with a Retry-After hint, not INTERNAL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from mission_control.domain.errors import RETRY_AFTER_SECONDS, is_disconnect

log = logging.getLogger(__name__)

BAD_REQUEST = "BAD_REQUEST"


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
    }


def json_error(status: int, message: str, code: str, **extensions: Any) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return Response(
        json.dumps(error_body(message, code, **extensions)),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a parsed JSON value (keys too), depth-bounded."""
    if depth > 64:
        raise HTTPException(400, "The request's JSON is nested too deeply.")
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def check_text(data: Any) -> None:
    """Refuse text no backend can store: NUL characters and lone UTF-16 surrogates."""
    for text in _strings(data):
        if "\x00" in text:
            raise _Invalid("Text may not contain NUL characters (\\u0000).")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Invalid(
                "Text contains a lone UTF-16 surrogate (e.g. \\ud800): send valid Unicode."
            ) from None


class _Invalid(Exception):
    """Text that is valid JSON but not storable: VALIDATION, 400."""


class HardenedHTTP:
    """Mixin for strawberry's ASGI view (put it first in the bases)."""

    max_response_bytes: int = 8_388_608

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise HTTPException(400, f"The body is not valid JSON: {error}.") from error
        if not isinstance(parsed, dict):
            raise HTTPException(
                400,
                'The body must be a JSON object like {"query": "...", "variables": {...}}; '
                f"got a JSON {type(parsed).__name__}.",
            )
        return parsed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)  # type: ignore[attr-defined]
        except HTTPException as error:
            status = error.status_code if 400 <= error.status_code < 500 else 400
            response = json_error(status, _sentence(error.reason), BAD_REQUEST)
        except _Invalid as error:
            response = json_error(400, str(error), "VALIDATION")
        except Exception as error:
            if not is_disconnect(error):
                raise
            log.warning("database unavailable during a request: %s", error)
            response = json_error(
                503,
                "The database is unavailable for a moment; retry shortly.",
                "UNAVAILABLE",
                retryAfterSeconds=RETRY_AFTER_SECONDS,
            )
        await response(scope, receive, send)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:
        """As strawberry's, but a subscription over plain HTTP is a 400 (it needs a socket)."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        if request_adapter.method == "GET":
            allowed = allowed - {OperationType.MUTATION}
        try:
            return await self.schema.execute(  # type: ignore[attr-defined]
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(
                    400,
                    "Subscriptions run over WebSocket (graphql-transport-ws at /graphql), "
                    "not plain HTTP.",
                ) from error
            raise HTTPException(400, error.as_http_error_reason(request_adapter.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request.") from error

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)  # type: ignore[misc]
        items = data if isinstance(data, list) else [data]
        for item in items:
            check_text([item.query, item.variables, item.operation_name])
        return data

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        response: Response = super().create_response(response_data, sub_response)  # type: ignore[misc]
        if len(response.body) > self.max_response_bytes:
            return json_error(
                400,
                f"The response would be {len(response.body)} bytes, over the cap of "
                f"{self.max_response_bytes}: ask for fewer rows or fields (page with "
                f"perColumn/limit).",
                "TOO_EXPENSIVE",
                limit=self.max_response_bytes,
            )
        status = _status_for(response_data)
        if status is not None and response.status_code == 200:
            response.status_code = status
        return response


_CLIENT_CODES = {"BAD_QUERY", "BAD_REQUEST", "TOO_EXPENSIVE"}


def _status_for(data: Any) -> int | None:
    """A request refused before it ran (no data at all, only client-error codes) is a 400."""
    if not isinstance(data, dict) or data.get("data") is not None or not data.get("errors"):
        return None
    codes = {(e.get("extensions") or {}).get("code") for e in data["errors"]}
    if codes and codes <= _CLIENT_CODES:
        return 400
    if "UNAVAILABLE" in codes:
        return 503
    return None


def _sentence(reason: str) -> str:
    reason = reason.strip()
    return reason if reason.endswith((".", "?", "!")) else reason + "."


async def health_report(runtime: Any, request: Request) -> dict[str, Any]:
    """`{"status": "ok"}` to anonymous callers; with a valid bearer token also the Event
    cursor (how far this process has read), which tells an attacker nothing useful for free."""
    from mission_control.domain.errors import MissionControlError
    from mission_control.services.auth import authenticate

    report: dict[str, Any] = {"status": "ok"}
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        try:
            await authenticate(runtime.ctx, token.strip())
        except MissionControlError:
            return report
        report["lastEventId"] = runtime.hub.cursor.id
    return report
