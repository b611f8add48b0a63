"""Turns every error into a GraphQL error with `extensions.code`, once, at the edge."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.types.execution import ExecutionResult

from mission_control.domain.errors import RETRY_AFTER_SECONDS, MissionControlError, is_disconnect
from mission_control.schema.cost import ValidQueries

log = logging.getLogger(__name__)

BAD_QUERY = "BAD_QUERY"
INTERNAL = "INTERNAL"
# Errors that are answers to a bad request, not faults of the server.
_REFUSALS = (
    MissionControlError,
    InvalidOperationTypeError,
    CannotGetOperationTypeError,
    GraphQLError,
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def coded(error: GraphQLError) -> GraphQLError:
    """The same error with a stable code; unexpected failures are logged and masked."""
    original = error.original_error
    if original is None and error.extensions and "code" in error.extensions:
        return error  # coded already
    if isinstance(original, MissionControlError):
        code, message = str(original.code), original.message
        extra = {_camel(key): value for key, value in original.details.items() if value is not None}
    elif original is None:
        code, message, extra = BAD_QUERY, error.message, {}
    elif is_disconnect(original):
        log.warning("database unavailable in %s: %s", error.path, original)
        code = "UNAVAILABLE"
        message = "The database is unavailable for a moment; retry shortly."
        extra = {"retryAfterSeconds": RETRY_AFTER_SECONDS}
    elif isinstance(original, GraphQLError):
        # A variable that does not coerce to its type (e.g. "abc" for Int!): the client's.
        code, message, extra = BAD_QUERY, error.message, {}
    elif isinstance(original, InvalidOperationTypeError | CannotGetOperationTypeError):
        code, message, extra = BAD_QUERY, _operation_refused(original), {}
    else:
        log.error("unexpected error in %s", error.path, exc_info=original)
        code, message, extra = INTERNAL, "Something went wrong on the server; it is logged.", {}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


def _operation_refused(error: InvalidOperationTypeError | CannotGetOperationTypeError) -> str:
    if isinstance(error, CannotGetOperationTypeError):
        return error.as_http_error_reason()
    return (
        error.as_http_error_reason("this transport")
        + " (the legacy graphql-ws protocol carries subscriptions only: send queries and "
        "mutations over HTTP or graphql-transport-ws)."
    )


class MissionControlSchema(strawberry.Schema):
    valid_queries: ValidQueries | None = None  # set by build_schema

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what is unexpected (refusals with a code are answers, not server faults),
        then code every error in place.

        Strawberry hands each streamed result's errors here before the result is sent (over
        WebSocket that is before on_operation ends), so they are coded on their way. An
        extension's on_stream_result would do the same but costs a wrapped hook per result
        per subscriber, paid for every delivered Event.
        """
        for error in errors:
            if error.extensions and error.extensions.get("code") == INTERNAL:
                continue  # already logged with its traceback by coded()
            if error.original_error is None or isinstance(error.original_error, _REFUSALS):
                log.debug("refused: %s", error.message)
            else:
                log.error("unexpected error", exc_info=error.original_error)
        errors[:] = [coded(error) for error in errors]


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        """Errors that did not pass process_errors (an extension's own) get their code here."""
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [coded(error) for error in result.errors]
