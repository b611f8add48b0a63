"""The initial schema, for SQLite and for PostgreSQL (aerich writes one dialect per file)."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
        CREATE TABLE IF NOT EXISTS "agents" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "skills" JSON NOT NULL,
    "status" VARCHAR(20) NOT NULL /* IDLE: idle\nWORKING: working\nWAITING: waiting\nBLOCKED: blocked\nOFFLINE: offline */,
    "current_load" SMALLINT NOT NULL,
    "wip_limit" SMALLINT NOT NULL,
    "paused" INT NOT NULL,
    "token_budget" INT,
    "note" TEXT,
    "last_heartbeat_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "controls" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS "credentials" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "role" VARCHAR(20) NOT NULL /* OPERATOR: operator\nAGENT: agent\nVIEWER: viewer\nSYSTEM: system */,
    "name" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "agent_id" INT REFERENCES "agents" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "task_id" INT,
    "agent_name" VARCHAR(64),
    "kind" VARCHAR(40) NOT NULL,
    "from_status" VARCHAR(20),
    "to_status" VARCHAR(20),
    "actor" VARCHAR(100) NOT NULL,
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_events_task_id_6074cc" ON "events" ("task_id", "id");
CREATE INDEX IF NOT EXISTS "idx_events_agent_n_3ca475" ON "events" ("agent_name", "id");
CREATE TABLE IF NOT EXISTS "tasks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "priority" SMALLINT,
    "tag_text" VARCHAR(1000) NOT NULL,
    "status" VARCHAR(20) NOT NULL /* INTAKE: intake\nREADY: ready\nIN_PROGRESS: in_progress\nREVIEW: review\nBLOCKED: blocked\nDONE: done\nCANCELLED: cancelled */,
    "progress" SMALLINT NOT NULL,
    "version" INT NOT NULL,
    "block_reason" TEXT,
    "result" TEXT,
    "feedback" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "status_changed_at" TIMESTAMP NOT NULL,
    "claimed_at" TIMESTAMP,
    "lease_expires_at" TIMESTAMP,
    "assignee_id" INT REFERENCES "agents" ("id") ON DELETE SET NULL,
    "parent_id" INT REFERENCES "tasks" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_tasks_lease_e_995aae" ON "tasks" ("lease_expires_at");
CREATE INDEX IF NOT EXISTS "idx_tasks_status_f8d69b" ON "tasks" ("status", "priority", "created_at");
CREATE INDEX IF NOT EXISTS "idx_tasks_assigne_a405e3" ON "tasks" ("assignee_id", "status");
CREATE TABLE IF NOT EXISTS "approvals" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "status" VARCHAR(20) NOT NULL /* PENDING: pending\nGRANTED: granted\nDECLINED: declined\nEXPIRED: expired */,
    "requested_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "decided_by" VARCHAR(100),
    "agent_id" INT NOT NULL REFERENCES "agents" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "task_dependencies" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "depends_on_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_task_depend_task_id_b67fa0" UNIQUE ("task_id", "depends_on_id")
);
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""

POSTGRES = """
        CREATE TABLE IF NOT EXISTS "agents" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "skills" JSONB NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "current_load" SMALLINT NOT NULL,
    "wip_limit" SMALLINT NOT NULL,
    "paused" BOOL NOT NULL,
    "token_budget" INT,
    "note" TEXT,
    "last_heartbeat_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "agents"."status" IS 'IDLE: idle\nWORKING: working\nWAITING: waiting\nBLOCKED: blocked\nOFFLINE: offline';
CREATE TABLE IF NOT EXISTS "controls" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS "credentials" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "role" VARCHAR(20) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "agent_id" INT REFERENCES "agents" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "credentials"."role" IS 'OPERATOR: operator\nAGENT: agent\nVIEWER: viewer\nSYSTEM: system';
CREATE TABLE IF NOT EXISTS "events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "task_id" INT,
    "agent_name" VARCHAR(64),
    "kind" VARCHAR(40) NOT NULL,
    "from_status" VARCHAR(20),
    "to_status" VARCHAR(20),
    "actor" VARCHAR(100) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_events_task_id_6074cc" ON "events" ("task_id", "id");
CREATE INDEX IF NOT EXISTS "idx_events_agent_n_3ca475" ON "events" ("agent_name", "id");
CREATE TABLE IF NOT EXISTS "tasks" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "title" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "priority" SMALLINT,
    "tag_text" VARCHAR(1000) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "progress" SMALLINT NOT NULL,
    "version" INT NOT NULL,
    "block_reason" TEXT,
    "result" TEXT,
    "feedback" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "status_changed_at" TIMESTAMPTZ NOT NULL,
    "claimed_at" TIMESTAMPTZ,
    "lease_expires_at" TIMESTAMPTZ,
    "assignee_id" INT REFERENCES "agents" ("id") ON DELETE SET NULL,
    "parent_id" INT REFERENCES "tasks" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_tasks_lease_e_995aae" ON "tasks" ("lease_expires_at");
CREATE INDEX IF NOT EXISTS "idx_tasks_status_f8d69b" ON "tasks" ("status", "priority", "created_at");
CREATE INDEX IF NOT EXISTS "idx_tasks_assigne_a405e3" ON "tasks" ("assignee_id", "status");
COMMENT ON COLUMN "tasks"."status" IS 'INTAKE: intake\nREADY: ready\nIN_PROGRESS: in_progress\nREVIEW: review\nBLOCKED: blocked\nDONE: done\nCANCELLED: cancelled';
CREATE TABLE IF NOT EXISTS "approvals" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "status" VARCHAR(20) NOT NULL,
    "requested_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "decided_at" TIMESTAMPTZ,
    "decided_by" VARCHAR(100),
    "agent_id" INT NOT NULL REFERENCES "agents" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "approvals"."status" IS 'PENDING: pending\nGRANTED: granted\nDECLINED: declined\nEXPIRED: expired';
CREATE TABLE IF NOT EXISTS "task_dependencies" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "depends_on_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    "task_id" INT NOT NULL REFERENCES "tasks" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_task_depend_task_id_b67fa0" UNIQUE ("task_id", "depends_on_id")
);
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return ""


MODELS_STATE = (
    "eJztXG1v2zYQ/iuCP3VAV6SOk3TBMEC2lcyLYwe2tnZbBoGWaFuwTKoSncTo+t9H6p16i+"
    "X4Rdb0pY2PPIp8jjzeHY/81lhiDRr2B3EGEWlcC98aCCwh/YMveC80gGmGZEYgYGI4NQGr"
    "4pDAxCYWUFlDU2DYkJI0aKuWbhIdI0pFK8NgRKzSijqahaQV0r+uoELwDJI5tGjB3/9Qso"
    "40+AJt/6e5UKY6NDSup7rGvu3QFbI2HVoPkRunIvvaRFGxsVqisLK5JnOMgtq6O0Q6DmgB"
    "AlnzxFqx7rPeeeP0R+T2NKzidjHCo8EpWBkkMtyJEtIaijIYyspYkhWlUQAgFSMGrs6gZq"
    "OfsS782PzYump9Or9sfaJVnG4GlKvv7qdDYFxGB56B3PjulAMC3BoOxiGozv8JWDtzYKXj"
    "6tePIUu7HEfWx7G80C7Bi2JANCNz+vOylYPjH+Ko86s4enfZ+oF9ENPJ766JgVfSdIoY1C"
    "G09kI33CXEg/vbeDhIBzfkiMGr6SoR/hUM3U5M4E1g9gkhzuGyDUD9ebpCKsNQmKx0g+jI"
    "/sC+90tjT/DnwM0QYi0vbfurEYX53b34JS6BTn/YdiDDNplZTitOA+24OAggqxRxsLkuod"
    "XSEUmPdhEgFSZFE3DvZuZvJBJdM2BB+Bu9bl+6FhjnI/o8HN31BrfXwjO2FlQWlCL2ZJcC"
    "dOJQ2v1h507qXgsTA6sLqD2i4c1NvzegjeDp1NCR24OCq6l5tsFqap5lriZWxItPXVkW3X"
    "8UA4OUfWC8BIaRuRnEeV/fFnYlwrP9bgvnzavLYEdgP/I2g/G92O/7O0II7LNuKoa+1ElR"
    "VDnGw0H6sfyQmmBlw5RZ2sbYgAClwxkyxbCcUK59gRlQDqvg28Nhn1Pw7Z4cUwW/37el0b"
    "uPjoaglXQCowZNiDXBC4iUyUqjBmUB+zDOttX89ayVQoiX3laM2IaYpNiGMnzJwNSvv9UO"
    "WTIsc4CSpS9yvnWyXHsl/eHg1q8eN1l4rA1gE2UOgUUmEBAFpMzlLgWP6EuYDn5qA3Ez0m"
    "vhg/9HteTSu5fGsnj/wAmnK8oSK2lygvGp7y5jJkjQiPC5J/8qsJ/CX8OBFLcwg3ryXw3W"
    "J7AiWEH4WQFaFBOf7JN4k8aCDPcthM1z7kDKW20etZgzxcyCGNNFxONmhAlQF8/A0hSuJJ"
    "wPwDQt/ATSfMa2x3pzN4IGcNBMCt4P5XjNnK7YQ6qngOLLRqPWvP5moDpBQyerB/ORIsBe"
    "vBEjmTZRIXTYMsRNnLUwk0XL5jJOAQjMnCGxb7MvxdddWng1siZzIqxRBVAHWU/McM4Osp"
    "5g6MmESGOQFUO88SANuk58yeN/RLcjcSCz+NLMAoiw+FJX6rD4EiVpUGUBJkqTvjz0RowE"
    "X0zdct3g48ecLEgRs7cz0eK8tZFWOiMtKmp33tlbCJrnrMVcajFTjaNrW61nnrN2rE9Byp"
    "N1kaNNnqsKQSx+f/x4tskGSWtl7pBOGb9FOkkBSiGrMcpyuGOD0puPvNtWDNIIR42oh2gi"
    "BMMDnET3BltQn6E7uE7Y42/yjcsGbpZzTMkWeA58wuikomOnI4buGUxHHHfErtRI6oEdYB"
    "rkIVUU1KjyS0c1O1K4z+BFByNi4dTYhV/0Pi90obqVjhi5WMBCu71Xvc5jiu3xfh5TdjTj"
    "CRirlHPB7LSmgOHwWU3HMZh3lr9U4Bhhr8ohDJSn6QcujJ6jIvi4fR3fPClzKk8juMkUc2"
    "DPi2hgnqtWxBmKOBKOxEZGru7rQWSf93Ah5OJAN4YP0kiUh6NrAZusP9h6ROKtNJCvBcdu"
    "ekR/9KTPEi1/0uEzpKXjP8eydH8t2GubwGU5osbHTak+tue25zVQ50xsY5CcXATPgk90d9"
    "ju3CXKWcdpyyzlYwQPSybOPUe6Dh2WKRm6px6VkZ4yruu5Be/z3C34dJDret8a4ViiIUP6"
    "L6sJX0yqMGz6nWC03lC8L/gTreFUpv10fjhqItKwKyDfUnpj24Wcw7Y++7/4hz81m+fnV8"
    "2z88tPF62rq4tPZ4E2ShblqaV275ZpJm5f2cCLPPixR8m01a7PkfhFs6k7wnNV7xh09z7J"
    "go6rUOjZq19Bh6+1iTfdyvamWwlvemrhpZKXQJeOcYytetN493ELaqgXx5ljqlF+HWVqh2"
    "GrkD72GSqoLvaSkmKCdfol4ewTqghLOW7es89W5uZ9HbPbRhQnEc0pyQGlk4mT4ib7GTrZ"
    "XnJwReZwTnJkv7R0bOnESUSITPVd+s20iRmC0POSvE8fzHn+v3jO+ztZ1UnWmV+GPeYzVN"
    "BaaG5kLTRzrIVm0lqI9iyBc/Zd9xjbAW/mHMEq2MuN96jy41HPf3YkylehqM8u3h0hYKYQ"
    "OmULKYwIzwFnsbCvaZxwMDb0MHJdjITWOMEbfRQgsCj+nNRAFu/Yg1IO9yMaSWL3z2uBGi"
    "va+hH1BsrDaHg7ksZjVkUxLcwsSpvVY6karCJL1Uh7Zqo7ZG9MaRjRVjvioCP1+6xcZYgZ"
    "RlmuAPojKq6lQr76uakIoE/QslP32kwoIxyVeWVqZzF+ZzkpdDnaxeyXOF8VQneHtmDo+m"
    "b9L4B6yFHjXRzvKYQaixcUQTzKU2NeHPM6dreVKE4hdhcV88rUthQzz1mLudRidh0PRZ0D"
    "NNtK2qkN1EIvtdBVA1AhbKXCOc46l7bMUjaoKQ+V7Z8xSeM/iMQPGa6vksBjRzub5k/zXB"
    "UKoO7MpTaBVTgtneOpQX09L92bhkmI69T0WGo6v2C57HTaB2Hwe7/fSJm/O0C2Wm8/xoHl"
    "lmwGrNnZDPWrrUVfbZ3rhkYRfxtK1ZqSsYNo9mYim5IWft7Bq61drz11XdUppQUjrCE70p"
    "u3MdQyUrB4XPOTsZRAqjrcQ2LW38HjT+53bIW28U/9esQRc5xCQRSzuRN89dNn9WNyh3dl"
    "6sfkNrG2Cz0mF1HNNbCvAJvQgmW6vyxCS1fnaWaBV5JrDoCwTv1W1Clpy7zdPjP/JztFMT"
    "sBqBJZzRcXmyStXVxkZ62xstgtM7qoCiDsVa8gunu5YcYeu0wNsWXfMIuw1K8gntIriN//"
    "A7ElcNk="
)
