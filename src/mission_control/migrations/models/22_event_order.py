"""Events in (tx, id) order instead of one global lock: each Event records its writer's
transaction id and the oldest transaction running when it was written (store/event_log.py).

Events already written keep tx = 0: they were written under the old lock, so id order is their
commit order, and every later Event has a larger tx. On PostgreSQL the columns' defaults are
the writer's own transaction ids, so a process of the previous version still writing during an
upgrade (it inserts without naming the columns) puts its Events in the right order too.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "events" ADD COLUMN "tx" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "events" ADD COLUMN "tx_floor" BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS "idx_events_tx_id" ON "events" ("tx", "id");
"""

POSTGRES = """
ALTER TABLE "events" ADD COLUMN IF NOT EXISTS "tx" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "events" ADD COLUMN IF NOT EXISTS "tx_floor" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "events" ALTER COLUMN "tx" SET DEFAULT pg_current_xact_id()::text::bigint;
ALTER TABLE "events" ALTER COLUMN "tx_floor"
    SET DEFAULT pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
CREATE INDEX IF NOT EXISTS "idx_events_tx_id" ON "events" ("tx", "id");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
