"""Turns every error into a GraphQL error with `extensions.code`, once, at the edge."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.execution import ExecutionResult

from mission_control.domain.errors import MissionControlError

log = logging.getLogger(__name__)

BAD_QUERY = "BAD_QUERY"
INTERNAL = "INTERNAL"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def coded(error: GraphQLError) -> GraphQLError:
    """The same error with a stable code; unexpected failures are logged and masked."""
    original = error.original_error
    if isinstance(original, MissionControlError):
        code, message = str(original.code), original.message
        extra = {_camel(key): value for key, value in original.details.items() if value is not None}
    elif original is None:
        code, message, extra = BAD_QUERY, error.message, {}
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


class MissionControlSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what is unexpected: refusals with a code are answers, not server faults."""
        for error in errors:
            if error.extensions and error.extensions.get("code") == INTERNAL:
                continue  # already logged with its traceback by coded()
            if (
                isinstance(error.original_error, MissionControlError)
                or error.original_error is None
            ):
                log.debug("refused: %s", error.message)
            else:
                log.error("unexpected error", exc_info=error.original_error)


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [coded(error) for error in result.errors]
