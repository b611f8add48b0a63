"""Indexes for the flow figures (/charts, /metrics): Events by time, and by kind then time.

The charts read the Events of the last days (status moves per day) and the metrics count
claims, approvals, lease expiries and failures by kind. Without these indexes each refresh
scanned the whole Event log, heartbeats included; with them it reads the window or the index.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQL = """
CREATE INDEX IF NOT EXISTS "idx_events_created_at" ON "events" ("created_at");
CREATE INDEX IF NOT EXISTS "idx_events_kind_created_at" ON "events" ("kind", "created_at");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQL


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
