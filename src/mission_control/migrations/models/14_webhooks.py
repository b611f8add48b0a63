"""Outbound webhooks: the endpoints and their delivery outbox."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "webhooks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "secret" VARCHAR(100) NOT NULL,
    "kinds" JSON NOT NULL,
    "statuses" JSON NOT NULL,
    "agent_name" VARCHAR(64),
    "after_event_id" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP NOT NULL,
    "removed_at" TIMESTAMP,
    "last_status" INT,
    "last_error" TEXT,
    "last_attempt_at" TIMESTAMP,
    "last_delivered_at" TIMESTAMP,
    "failures" INT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "webhook_id" INT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "task_key" INT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP NOT NULL,
    "attempts" INT NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "claimed_until" TIMESTAMP,
    "claimed_by" VARCHAR(64),
    "last_status" INT,
    "last_error" TEXT,
    "done_at" TIMESTAMP,
    "failed" INT NOT NULL DEFAULT 0,
    CONSTRAINT "uid_webhook_del_webhook_event" UNIQUE ("webhook_id", "event_id")
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_due" ON "webhook_deliveries" ("done_at", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_order" ON "webhook_deliveries" ("webhook_id", "task_key", "event_id");
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "webhooks" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "url" VARCHAR(2000) NOT NULL,
    "secret" VARCHAR(100) NOT NULL,
    "kinds" JSONB NOT NULL,
    "statuses" JSONB NOT NULL,
    "agent_name" VARCHAR(64),
    "after_event_id" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ NOT NULL,
    "removed_at" TIMESTAMPTZ,
    "last_status" INT,
    "last_error" TEXT,
    "last_attempt_at" TIMESTAMPTZ,
    "last_delivered_at" TIMESTAMPTZ,
    "failures" INT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "webhook_id" INT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "task_key" INT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ NOT NULL,
    "attempts" INT NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ NOT NULL,
    "claimed_until" TIMESTAMPTZ,
    "claimed_by" VARCHAR(64),
    "last_status" INT,
    "last_error" TEXT,
    "done_at" TIMESTAMPTZ,
    "failed" BOOL NOT NULL DEFAULT FALSE,
    CONSTRAINT "uid_webhook_del_webhook_event" UNIQUE ("webhook_id", "event_id")
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_due" ON "webhook_deliveries" ("done_at", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_webhook_del_order" ON "webhook_deliveries" ("webhook_id", "task_key", "event_id");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
