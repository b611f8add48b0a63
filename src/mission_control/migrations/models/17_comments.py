"""Comments on tasks (the review conversation; each one also writes a COMMENTED Event)."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "comments" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "author" VARCHAR(100) NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_comments_task_id" ON "comments" ("task_id", "id");
"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "comments" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "author" VARCHAR(100) NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_comments_task_id" ON "comments" ("task_id", "id");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
