"""The supervisor's rules for failing work: how many attempts, how long a run, how long to wait.

A task's own limits override the server's defaults; a failed attempt either goes back to
ready after a backoff (doubling with each failure) or, at the last attempt, blocks the task.
"""

from __future__ import annotations

from dataclasses import dataclass

from mission_control.domain.errors import ValidationFailed

ATTEMPTS_MAX = 100
RUN_SECONDS_MAX = 7 * 24 * 3600
BACKOFF_SECONDS_MAX = 3600  # a single wait between attempts never exceeds an hour
ERROR_SHOWN_MAX = 1_500  # characters of the command's error kept in a block reason


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits that apply to one task: its overrides, else the server's defaults."""

    max_attempts: int
    max_run_seconds: int | None  # None: no limit
    retry_backoff_seconds: int


@dataclass(frozen=True, slots=True)
class LimitOverrides:
    """What a task sets for itself; None keeps the server's default."""

    max_attempts: int | None = None
    max_run_seconds: int | None = None
    retry_backoff_seconds: int | None = None


def effective_limits(task: LimitOverrides, defaults: Limits) -> Limits:
    """The task's limits, falling back to the defaults field by field (0 s run time: none)."""
    run = task.max_run_seconds if task.max_run_seconds is not None else defaults.max_run_seconds
    return Limits(
        max_attempts=task.max_attempts or defaults.max_attempts,
        max_run_seconds=run or None,
        retry_backoff_seconds=(
            task.retry_backoff_seconds
            if task.retry_backoff_seconds is not None
            else defaults.retry_backoff_seconds
        ),
    )


def check_overrides(overrides: LimitOverrides) -> LimitOverrides:
    """Refuse limits no task could live with; a clear sentence per field."""
    if overrides.max_attempts is not None and not 1 <= overrides.max_attempts <= ATTEMPTS_MAX:
        raise ValidationFailed(
            f"maxAttempts must be between 1 and {ATTEMPTS_MAX}; got {overrides.max_attempts}.",
            field="maxAttempts",
        )
    run = overrides.max_run_seconds
    if run is not None and not 0 <= run <= RUN_SECONDS_MAX:
        raise ValidationFailed(
            f"maxRunSeconds must be between 0 (no limit) and {RUN_SECONDS_MAX}; got {run}.",
            field="maxRunSeconds",
        )
    backoff = overrides.retry_backoff_seconds
    if backoff is not None and not 0 <= backoff <= BACKOFF_SECONDS_MAX:
        raise ValidationFailed(
            f"retryBackoffSeconds must be between 0 and {BACKOFF_SECONDS_MAX}; got {backoff}.",
            field="retryBackoffSeconds",
        )
    return overrides


def retry_delay(limits: Limits, failed_attempts: int) -> int:
    """Seconds before the next attempt: the backoff, doubled after each further failure."""
    exponent = max(failed_attempts - 1, 0)
    return min(limits.retry_backoff_seconds << min(exponent, 20), BACKOFF_SECONDS_MAX)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a failed attempt leads to: another try after `retry_in` seconds, or a block."""

    attempt: int
    gives_up: bool
    retry_in: int
    reason: str


def judge_failure(limits: Limits, failed_before: int, error: str, timed_out: bool) -> Verdict:
    """Attempt number `failed_before + 1` failed with `error`: retry or block, and say why."""
    attempt = failed_before + 1
    error = error.strip() or "(no output)"
    if len(error) > ERROR_SHOWN_MAX:
        error = "…" + error[-ERROR_SHOWN_MAX:]
    what = "timed out" if timed_out else "failed"
    if attempt >= limits.max_attempts:
        return Verdict(
            attempt,
            True,
            0,
            f"attempt {attempt} of {limits.max_attempts} {what}; giving up. Last error: {error}",
        )
    delay = retry_delay(limits, attempt)
    return Verdict(
        attempt,
        False,
        delay,
        f"attempt {attempt} of {limits.max_attempts} {what}; retrying in {delay}s. Error: {error}",
    )
