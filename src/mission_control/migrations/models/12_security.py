"""Security: token expiry and last use, board sessions, one-time login codes, Slack replays."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

COMMON = """
ALTER TABLE "credentials" ADD COLUMN "last_used_at" {ts};
ALTER TABLE "credentials" ADD COLUMN "expires_at" {ts};
CREATE TABLE IF NOT EXISTS "board_sessions" (
    "id_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL,
    "created_at" {ts} NOT NULL,
    "expires_at" {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_board_sessions_token" ON "board_sessions" ("token_hash");
CREATE TABLE IF NOT EXISTS "login_codes" (
    "code_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL,
    "expires_at" {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS "slack_seen" (
    "key" VARCHAR(200) NOT NULL PRIMARY KEY,
    "seen_at" {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_slack_seen_at" ON "slack_seen" ("seen_at");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    postgres = db.capabilities.dialect == "postgres"
    return COMMON.format(ts="TIMESTAMPTZ" if postgres else "TIMESTAMP")


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""
