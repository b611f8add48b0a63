"""The tail of each agent's command output on its row (the runner streams it, the page shows it)."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "agents" ADD COLUMN "output_tail" TEXT NOT NULL DEFAULT '';
ALTER TABLE "agents" ADD COLUMN "output_task_id" INT;
ALTER TABLE "agents" ADD COLUMN "output_at" TIMESTAMP;
ALTER TABLE "agents" ADD COLUMN "output_event_id" BIGINT;
"""

POSTGRES = """
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "output_tail" TEXT NOT NULL DEFAULT '';
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "output_task_id" INT;
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "output_at" TIMESTAMPTZ;
ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "output_event_id" BIGINT;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
