"""Slack's outbox (Events waiting to be posted) and the thread each task's messages go under."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "slack_outbox" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "event_id" BIGINT NOT NULL UNIQUE,
    "task_id" INT,
    "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP,
    "attempts" INT NOT NULL DEFAULT 0,
    "last_error" TEXT
);
CREATE INDEX IF NOT EXISTS "idx_slack_outbox_unsent" ON "slack_outbox" ("sent_at", "event_id");
CREATE TABLE IF NOT EXISTS "slack_threads" (
    "task_id" INT NOT NULL PRIMARY KEY,
    "channel" VARCHAR(64) NOT NULL,
    "ts" VARCHAR(32) NOT NULL
);
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "slack_outbox" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "event_id" BIGINT NOT NULL UNIQUE,
    "task_id" INT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "sent_at" TIMESTAMPTZ,
    "attempts" INT NOT NULL DEFAULT 0,
    "last_error" TEXT
);
CREATE INDEX IF NOT EXISTS "idx_slack_outbox_unsent" ON "slack_outbox" ("sent_at", "event_id");
CREATE TABLE IF NOT EXISTS "slack_threads" (
    "task_id" INT NOT NULL PRIMARY KEY,
    "channel" VARCHAR(64) NOT NULL,
    "ts" VARCHAR(32) NOT NULL
);
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
