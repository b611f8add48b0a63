"""Every setting, read once from MC_* environment variables and an optional .env file."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as UnreadableSetting

from mission_control.domain.control import AutonomyMode


class NotifyLevel(StrEnum):
    ALL = "all"
    TRANSITIONS = "transitions"
    CRITICAL = "critical"


def _csv(value: object) -> object:
    """Let list settings be written as `a,b,c` (or a JSON list) in the environment."""
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"not a JSON list ({error.msg}); or write it as a,b,c") from None
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def check_http_url(value: str) -> str:
    """An http:// or https:// address with a host, or a ValueError saying so."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as error:
        raise ValueError(f"not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "must be an http:// or https:// URL with a host, e.g. http://127.0.0.1:3333"
        )
    return value.strip()


MIN_TOKEN_LENGTH = 20
MIN_TOKEN_DISTINCT = 10


def check_token_strength(token: str) -> str:
    """A configured operator token long and varied enough not to be guessed."""
    token = token.strip()
    if len(token) < MIN_TOKEN_LENGTH or len(set(token)) < MIN_TOKEN_DISTINCT:
        raise ValueError(
            f"too weak: use at least {MIN_TOKEN_LENGTH} characters with at least "
            f"{MIN_TOKEN_DISTINCT} different ones (e.g. `openssl rand -base64 32`)"
        )
    return token


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite://mission-control.db"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 3333
    public_url: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    operator_token: str | None = None
    state_dir: str = "."

    lease_seconds: Annotated[int, Field(ge=5)] = 3600
    offline_after_seconds: Annotated[int, Field(ge=5)] = 5400
    sweep_interval_seconds: Annotated[float, Field(gt=0)] = 15.0
    approval_timeout_seconds: Annotated[int, Field(ge=5)] = 900
    autonomy: AutonomyMode = AutonomyMode.AUTO
    auto_tags: Annotated[list[str], NoDecode, Field(default_factory=lambda: ["trivial"])]
    # Deprecated: the daily budgets below count what agents report they used.
    token_budget_floor: Annotated[int, Field(ge=0)] = 0
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 3
    max_run_seconds: Annotated[int, Field(ge=0)] = 7200
    retry_backoff_seconds: Annotated[int, Field(ge=0, le=3600)] = 10
    daily_token_budget: Annotated[int | None, Field(ge=1)] = None
    daily_cost_budget_usd: Annotated[float | None, Field(gt=0)] = None
    stuck_after_minutes: Annotated[float, Field(ge=0)] = 45.0
    max_agent_load: Annotated[int, Field(ge=0, le=100)] = 80
    skill_keywords: Annotated[dict[str, str], Field(default_factory=dict)]

    max_query_depth: Annotated[int, Field(ge=2)] = 10
    max_aliases: Annotated[int, Field(ge=1)] = 20
    max_tokens: Annotated[int, Field(ge=100)] = 5000
    max_body_bytes: Annotated[int, Field(ge=1024)] = 262_144
    subscriber_queue_size: Annotated[int, Field(ge=1)] = 1000
    # Security limits (docs/security.md): WebSocket edges, query cost, board sessions.
    ws_init_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    max_subscriptions_per_connection: Annotated[int, Field(ge=1)] = 20
    max_connections_per_token: Annotated[int, Field(ge=1)] = 20
    max_query_cost: Annotated[int, Field(ge=100)] = 100_000
    max_response_bytes: Annotated[int, Field(ge=65_536)] = 8_388_608
    # "agents": an agent token may run only the operations Mission Control's own clients send
    # (codegen/operations: the runner, the CLI, the MCP server); operators and viewers are free.
    trusted_operations: Literal["off", "agents"] = "off"
    secure_cookies: bool = False
    # How long a process keeps a credential it read (0: read it on every request). A revocation
    # reaches every process as an Event at once; this bounds the delay when that Event is missed.
    credential_cache_seconds: Annotated[float, Field(ge=0, le=300)] = 5.0
    session_hours: Annotated[float, Field(gt=0)] = 24 * 7
    # /metrics answers an operator token only, unless this lets anyone scrape it.
    metrics_public: bool = False

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_channel: str | None = None
    slack_notify_level: NotifyLevel = NotifyLevel.TRANSITIONS
    slack_operators: Annotated[list[str], NoDecode, Field(default_factory=list)]
    slack_api_url: str = "https://slack.com/api/"
    slack_retry_max_seconds: Annotated[float, Field(gt=0)] = 60.0

    auto_approve_tags: Annotated[list[str], NoDecode, Field(default_factory=lambda: ["trivial"])]
    auto_approve_delay_seconds: Annotated[int, Field(ge=0)] = 86_400
    decomposer: Literal["outline", "llm"] = "outline"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0

    # Outbound webhooks: the wait before retry n is base * 2**(n-1), up to max; after
    # max_attempts a delivery is marked failed (it can be replayed).
    webhook_retry_base_seconds: Annotated[float, Field(gt=0)] = 5.0
    webhook_retry_max_seconds: Annotated[float, Field(gt=0)] = 3600.0
    webhook_max_attempts: Annotated[int, Field(ge=1)] = 12
    webhook_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0

    # Client side (the CLI and the agent runner): which server to talk to, and as whom.
    server_url: str | None = None
    token: str | None = None

    _split_lists = field_validator(
        "auto_tags", "slack_operators", "auto_approve_tags", mode="before"
    )(_csv)

    @field_validator("operator_token")
    @classmethod
    def _strong_operator_token(cls, value: str | None) -> str | None:
        return check_token_strength(value) if value and value.strip() else None

    @field_validator("public_url", "server_url", "slack_api_url", "llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return check_http_url(value) if value and value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            value = "postgres://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite://", "postgres://")):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @cached_property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgres://")

    @property
    def base_url(self) -> str:
        """The address people and agents use to reach this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")


class SettingsError(Exception):
    """A bad MC_* value, described one line per field for a person to fix."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings once, turning pydantic's report into readable lines."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnreadableSetting as error:  # pydantic-settings could not decode a JSON value
        named = re.search(r'field "(\w+)"', str(error))
        name = f"MC_{named.group(1).upper()}" if named else "a setting"
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        raise SettingsError(f"invalid settings: {name} is not valid JSON{cause}") from None
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            shown = "(hidden)" if "token" in field else repr(problem.get("input"))
            lines.append(f"MC_{field.upper()}: {problem['msg']} (got {shown})")
        if len(lines) == 1:
            raise SettingsError(f"invalid settings: {lines[0]}") from None
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
