"""Index-backed claim order and board columns: urgency (no priority counts as 6), then age.

Every claim and every board column reads tasks of one status in the order
`COALESCE(priority, 6), created_at, id`. Without an index on that expression each claim sorted
every ready row; with one it reads the first rows in order and stops.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQL = """
CREATE INDEX IF NOT EXISTS "idx_tasks_status_rank"
    ON "tasks" ("status", (COALESCE("priority", 6)), "created_at", "id");
CREATE INDEX IF NOT EXISTS "idx_tasks_ready_rank"
    ON "tasks" ("assignee_id", (COALESCE("priority", 6)), "created_at", "id")
    WHERE "status" = 'ready';
CREATE INDEX IF NOT EXISTS "idx_approvals_status_agent" ON "approvals" ("status", "agent_id");
CREATE INDEX IF NOT EXISTS "idx_task_dependencies_depends_on"
    ON "task_dependencies" ("depends_on_id", "task_id");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQL


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
