"""The supervisor's columns on tasks: failed attempts so far, the task's own limits, and the
time before which a retried task is not handed out."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

COLUMNS = (
    ('"attempts"', "INT NOT NULL DEFAULT 0"),
    ('"max_attempts"', "INT"),
    ('"max_run_seconds"', "INT"),
    ('"retry_backoff_seconds"', "INT"),
)


def _sql(timestamp: str) -> str:
    columns = [*COLUMNS, ('"retry_at"', timestamp)]
    return "\n".join(f'ALTER TABLE "tasks" ADD COLUMN {name} {kind};' for name, kind in columns)


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _sql("TIMESTAMPTZ" if db.capabilities.dialect == "postgres" else "TIMESTAMP")


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
