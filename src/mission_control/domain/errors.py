"""Typed errors with a stable code and a sentence a person can act on."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    VALIDATION = "VALIDATION"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PAUSED = "PAUSED"
    UNAVAILABLE = "UNAVAILABLE"


class MissionControlError(Exception):
    """Base of every error the services raise on purpose."""

    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(MissionControlError):
    code = ErrorCode.NOT_FOUND


class InvalidTransition(MissionControlError):
    code = ErrorCode.INVALID_TRANSITION


class Conflict(MissionControlError):
    code = ErrorCode.CONFLICT


class ValidationFailed(MissionControlError):
    code = ErrorCode.VALIDATION


class Forbidden(MissionControlError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(MissionControlError):
    code = ErrorCode.UNAUTHENTICATED


class Paused(MissionControlError):
    code = ErrorCode.PAUSED


class Unavailable(MissionControlError):
    """A dependency (the database) is unreachable for a moment: retry."""

    code = ErrorCode.UNAVAILABLE


RETRY_AFTER_SECONDS = 2
# Driver errors (asyncpg, sqlite3, OS) that mean "the connection went away", by class name so
# this module imports no driver.
_DISCONNECTS = frozenset(
    {
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "BrokenPipeError",
        "CannotConnectNowError",
        "AdminShutdownError",
        "ConnectionFailureError",
        "TooManyConnectionsError",
        "DBConnectionError",
        "InternalClientError",  # asyncpg, on a connection broken mid-operation
    }
)


def is_disconnect(error: BaseException) -> bool:
    """True when the error (or one it was raised from) is a lost database connection."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ in _DISCONNECTS:
            return True
        if type(current).__module__.startswith("asyncpg") and "accepting connections" in str(
            current
        ):
            return True  # the database refuses new connections (shutting down, closed to us)
        current = current.__cause__ or current.__context__
    return False
