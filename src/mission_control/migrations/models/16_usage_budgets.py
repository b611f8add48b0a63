"""Usage totals per day/agent/task/model, daily budgets with their pauses, and stuck tasks."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "usage_totals" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "day" DATE NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "agents" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "model" VARCHAR(100) NOT NULL DEFAULT '',
    "tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_micro_usd" BIGINT NOT NULL DEFAULT 0,
    "reports" INT NOT NULL DEFAULT 0,
    CONSTRAINT "uid_usage_totals_key" UNIQUE ("day", "agent_id", "task_id", "model")
);
CREATE INDEX IF NOT EXISTS "idx_usage_totals_agent_day" ON "usage_totals" ("agent_id", "day");
CREATE INDEX IF NOT EXISTS "idx_usage_totals_task" ON "usage_totals" ("task_id");
CREATE TABLE IF NOT EXISTS "budgets" (
    "scope" VARCHAR(64) NOT NULL PRIMARY KEY,
    "daily_tokens" BIGINT,
    "daily_cost_micro_usd" BIGINT,
    "paused_on" DATE,
    "paused_reason" TEXT
);
ALTER TABLE "tasks" ADD COLUMN "stuck_since" TIMESTAMP;
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "usage_totals" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "day" DATE NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "agents" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "model" VARCHAR(100) NOT NULL DEFAULT '',
    "tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_micro_usd" BIGINT NOT NULL DEFAULT 0,
    "reports" INT NOT NULL DEFAULT 0,
    CONSTRAINT "uid_usage_totals_key" UNIQUE ("day", "agent_id", "task_id", "model")
);
CREATE INDEX IF NOT EXISTS "idx_usage_totals_agent_day" ON "usage_totals" ("agent_id", "day");
CREATE INDEX IF NOT EXISTS "idx_usage_totals_task" ON "usage_totals" ("task_id");
CREATE TABLE IF NOT EXISTS "budgets" (
    "scope" VARCHAR(64) NOT NULL PRIMARY KEY,
    "daily_tokens" BIGINT,
    "daily_cost_micro_usd" BIGINT,
    "paused_on" DATE,
    "paused_reason" TEXT
);
ALTER TABLE "tasks" ADD COLUMN IF NOT EXISTS "stuck_since" TIMESTAMPTZ;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
