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
