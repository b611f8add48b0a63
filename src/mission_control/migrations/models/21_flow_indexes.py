"""Indexes for the flow figures (/charts, /metrics): status moves by time, Events by kind.

The charts read the status moves of the last days and the metrics count claims, approvals,
lease expiries and failures by kind. Without these indexes each refresh scanned the whole Event
log; with them it reads only the window's moves (a partial index that leaves heartbeats, usage
reports and the like out, and covers the columns the query groups by) or counts in the index.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQL = """
CREATE INDEX IF NOT EXISTS "idx_events_moves" ON "events" ("created_at", "from_status", "to_status")
    WHERE "to_status" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "idx_events_kind_created_at" ON "events" ("kind", "created_at");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQL


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
