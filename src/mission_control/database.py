"""Opening the database and applying the aerich migrations kept in `migrations/`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aerich import Command
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from mission_control.bus.postgres import PooledConnection
from mission_control.migration_lock import migration_lock
from mission_control.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise configuration aerich and the app share."""
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("postgres://"):
        connection = expand_db_url(database_url)
        connection["credentials"]["connection_class"] = PooledConnection
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": ["mission_control.models", "aerich.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(settings: Settings) -> list[str]:
    """Apply pending migrations; returns the names of those applied."""
    create_private_file(settings.database_url)
    command = Command(
        tortoise_config(settings.database_url), app="models", location=str(MIGRATIONS)
    )
    async with migration_lock(settings):
        try:
            await command.init()
            applied = await command.upgrade(run_in_transaction=True)
        finally:
            await command.aclose()
    for name in applied:
        log.info("applied migration %s", name)
    return list(applied)


def create_private_file(database_url: str) -> None:
    """Create a SQLite database file readable by its owner only (0600) before SQLite does;
    SQLite gives its journal and WAL files the same permissions."""
    if not database_url.startswith("sqlite://"):
        return
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if not path or path == ":memory:" or os.path.exists(path):
        return
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


async def open_database(settings: Settings) -> None:
    """Apply pending migrations, then connect the models."""
    await migrate(settings)
    # The global fallback makes the models usable from every request task, not only from the
    # task that ran start-up (Tortoise 1.x keeps its state in a context variable).
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()
