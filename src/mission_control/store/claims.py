"""The claim's and the hand-in's statements: hand-written, named, one constant each.

claimNextTask and submitForReview are what every agent sends all day, so their SQL is written
here once (procrastinate's manner) instead of being built by the ORM on every request. The
text is the same on both backends where it can be: it is written with `$n` parameters and
SQLite reads them as `?n`; where the backends differ (row locks, JSON, an array parameter)
each has its own constant. Rows come back as dicts and leave this module as plain values:
domain/pickup.py's `ClaimingAgent` and `PickupRecord`, and `TaskView` (store/views.py), never
ORM models.

What the statements may not change (the pickup rule decides in domain/pickup.py, not here):

- the claim order is migration 13's index expression, `COALESCE(priority, 6), created_at,
  id`, read from idx_tasks_ready_rank, first row only;
- on PostgreSQL the agent's row is locked in a statement of its own, *before* the facts are
  read: READ COMMITTED gives each statement a fresh snapshot, so the counts read after the
  lock include a claim by the same agent that committed while this one waited for it;
- the candidate is locked with `FOR UPDATE SKIP LOCKED`, so agents claiming at once neither
  queue behind each other nor take the same task; the claim's write is still conditional
  (`version`, `status`), which is what makes it atomic on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from mission_control.domain import limits
from mission_control.domain.agents import AgentStatus
from mission_control.domain.pickup import ClaimingAgent, InPlay, PickupRecord
from mission_control.domain.supervision import LimitOverrides
from mission_control.domain.usage import Budget, Totals
from mission_control.domain.workflow import TaskStatus
from mission_control.store.views import TaskView

Connection = BaseDBAsyncClient  # what the services hand in: a change's connection

# Migration 13 indexes exactly this expression; the two must stay equal.
RANK = f"COALESCE(t.priority, {limits.PRIORITY_MAX + 1})"

AGENT_COLUMNS = (
    "a.id, a.name, a.skills, a.status, a.wip_limit, a.paused, a.token_budget, "
    "a.last_heartbeat_at, a.created_at, a.output_task_id"
)
TASK_COLUMNS = (
    "id, title, description, priority, tag_text, status, progress, parent_id, version, "
    "block_reason, result, feedback, created_at, updated_at, status_changed_at, claimed_at, "
    "lease_expires_at, attempts, retry_at, max_attempts, max_run_seconds, "
    "retry_backoff_seconds, stuck_since, assignee_id"
)
T_COLUMNS = ", ".join(f"t.{name.strip()}" for name in TASK_COLUMNS.split(","))

# --- The agent's side of the pickup rule: $1 is the agent (name or id), $2 today ----------

# Approvals in play: every pending request (they reserve their task), and this agent's own
# declines since its last heartbeat (not offered to it again until then).
_IN_PLAY = """
    FROM approvals p JOIN agents g ON g.id = p.agent_id
    WHERE p.status = 'pending'
       OR (p.agent_id = a.id AND p.status = 'declined'
           AND (a.last_heartbeat_at IS NULL OR p.decided_at >= a.last_heartbeat_at))"""
_APPROVALS = {
    "postgres": "COALESCE((SELECT json_agg(json_build_array(p.task_id, p.agent_id, g.name, "
    f"p.status)) {_IN_PLAY}), '[]')::text AS approvals",
    "sqlite": "(SELECT json_group_array(json_array(p.task_id, p.agent_id, g.name, p.status)) "
    f"{_IN_PLAY}) AS approvals",
}
_BOARD_USED = """,
    (SELECT COALESCE(SUM(u.tokens), 0) FROM usage_totals u WHERE u.day = $2) AS board_tokens,
    (SELECT COALESCE(SUM(u.cost_micro_usd), 0) FROM usage_totals u WHERE u.day = $2)
        AS board_cost"""


def _facts(dialect: str, board: bool) -> str:
    return f"""
    (SELECT c.value FROM controls c WHERE c.key = 'autonomy') AS autonomy,
    (SELECT COUNT(*) FROM tasks t WHERE t.assignee_id = a.id AND t.status = 'in_progress')
        AS held,
    (SELECT COUNT(*) FROM tasks t WHERE t.assignee_id = a.id AND t.status = 'ready')
        AS assigned_ready,
    b.daily_tokens AS budget_tokens, b.daily_cost_micro_usd AS budget_cost,
    (SELECT COALESCE(SUM(u.tokens), 0) FROM usage_totals u
        WHERE u.agent_id = a.id AND u.day = $2) AS used_tokens,
    (SELECT COALESCE(SUM(u.cost_micro_usd), 0) FROM usage_totals u
        WHERE u.agent_id = a.id AND u.day = $2) AS used_cost,
    {_APPROVALS[dialect]}{_BOARD_USED if board else ""}
    FROM agents a LEFT JOIN budgets b ON b.scope = a.name"""


# PostgreSQL: the lock first, alone (see the module's docstring), then the facts.
LOCK_AGENT = f"SELECT {AGENT_COLUMNS} FROM agents a WHERE a.name = $1 FOR UPDATE"
PICKUP_FACTS = f"SELECT {_facts('postgres', False)} WHERE a.id = $1"
PICKUP_FACTS_WITH_BOARD = f"SELECT {_facts('postgres', True)} WHERE a.id = $1"
# SQLite: one writer at a time (the transaction holds the database), so one statement.
AGENT_AND_FACTS = f"SELECT {AGENT_COLUMNS}, {_facts('sqlite', False)} WHERE a.name = $1"
AGENT_AND_FACTS_WITH_BOARD = f"SELECT {AGENT_COLUMNS}, {_facts('sqlite', True)} WHERE a.name = $1"

# --- The candidate: $1 now, $2 the ids passed over, $3 the agent (its own tasks only) -----

_CANDIDATE = """
SELECT {columns} FROM tasks t
WHERE t.status = 'ready' AND {whose}
  AND (t.retry_at IS NULL OR t.retry_at <= $1)
  AND NOT EXISTS (
      SELECT 1 FROM task_dependencies d JOIN tasks w ON w.id = d.depends_on_id
      WHERE d.task_id = t.id AND w.status <> 'done')
  AND {passed}
ORDER BY {rank}, t.created_at, t.id
LIMIT 1{lock}"""
_PASSED = {
    "postgres": "t.id <> ALL($2::int[])",
    "sqlite": "t.id NOT IN (SELECT value FROM json_each($2))",
}
_LOCK = {"postgres": "\nFOR UPDATE OF t SKIP LOCKED", "sqlite": ""}


def _candidate(dialect: str, whose: str) -> str:
    return _CANDIDATE.format(
        columns=T_COLUMNS, whose=whose, passed=_PASSED[dialect], rank=RANK, lock=_LOCK[dialect]
    )


NEXT_OWN_TASK = _candidate("postgres", "t.assignee_id = $3")
NEXT_OPEN_TASK = _candidate("postgres", "t.assignee_id IS NULL")
NEXT_OWN_TASK_SQLITE = _candidate("sqlite", "t.assignee_id = $3")
NEXT_OPEN_TASK_SQLITE = _candidate("sqlite", "t.assignee_id IS NULL")

# --- The writes ----------------------------------------------------------------------------

# The claim move's effects (services/moves.py: _effects, Move.CLAIM), conditional on the
# version read: $1 agent, $2 now, $3 lease end, $4 task, $5 version read.
CLAIM_TASK = f"""
UPDATE tasks SET status = 'in_progress', assignee_id = $1, claimed_at = $2,
                 lease_expires_at = $3, progress = 0, version = version + 1,
                 updated_at = $2, status_changed_at = $2
WHERE id = $4 AND version = $5 AND status = 'ready'
RETURNING {TASK_COLUMNS}"""

# A new task, a clean screen: the agent's output tail is for the task it held before.
FORGET_OUTPUT = (
    "UPDATE agents SET output_tail = '', output_task_id = NULL, output_at = NULL WHERE id = $1"
)

# The holder hands its work in (services/moves.py: _effects, Move.SUBMIT), when nothing
# needs more than the row: held by $4, in progress, no parent to roll progress up to, at
# version $5 when one is expected. $1 result, $2 now, $3 task.
SUBMIT_HELD_TASK = f"""
UPDATE tasks SET status = 'review', lease_expires_at = NULL, result = $1, progress = 100,
                 version = version + 1, updated_at = $2, status_changed_at = $2
WHERE id = $3 AND status = 'in_progress' AND parent_id IS NULL
  AND assignee_id = (SELECT g.id FROM agents g WHERE g.name = $4)
  AND version = COALESCE(CAST($5 AS INTEGER), version)
RETURNING {TASK_COLUMNS}"""


def _sqlite(sql: str) -> str:
    """SQLite reads `?n` for PostgreSQL's `$n` (the same numbered parameter)."""
    return sql.replace("$", "?")


SQLITE = {
    sql: _sqlite(sql)
    for sql in (
        AGENT_AND_FACTS,
        AGENT_AND_FACTS_WITH_BOARD,
        NEXT_OWN_TASK_SQLITE,
        NEXT_OPEN_TASK_SQLITE,
        CLAIM_TASK,
        FORGET_OUTPUT,
        SUBMIT_HELD_TASK,
    )
}


def _postgres(conn: BaseDBAsyncClient) -> bool:
    return bool(conn.capabilities.dialect == "postgres")


def _value(conn: BaseDBAsyncClient, value: object) -> object:
    """A parameter as the backend compares it: SQLite keeps datetimes and dates as ISO text
    (as Tortoise writes them: UTC, `2026-11-25 18:03:56.5+00:00`)."""
    if _postgres(conn):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def _rows(conn: BaseDBAsyncClient, sql: str, *params: object) -> list[dict[str, Any]]:
    text = sql if _postgres(conn) else SQLITE[sql]
    return list(await conn.execute_query_dict(text, [_value(conn, p) for p in params]))


# --- Reading rows back ---------------------------------------------------------------------


def _moment(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _at(value: object) -> datetime:
    moment = _moment(value)
    assert moment is not None, "a NOT NULL datetime column"
    return moment


def _json(value: object) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def task_of(row: Mapping[str, Any], assignee: str | None) -> TaskView:
    """The read model of a task row these statements return (`assignee`: the holder's name)."""
    return TaskView(
        id=int(row["id"]),
        title=row["title"],
        description=row["description"],
        priority=_int(row["priority"]),
        tags=tuple(str(row["tag_text"]).split()),
        status=TaskStatus(row["status"]),
        assignee=assignee,
        progress=int(row["progress"]),
        parent_id=_int(row["parent_id"]),
        version=int(row["version"]),
        block_reason=row["block_reason"],
        result=row["result"],
        feedback=row["feedback"],
        created_at=_at(row["created_at"]),
        updated_at=_at(row["updated_at"]),
        status_changed_at=_at(row["status_changed_at"]),
        claimed_at=_moment(row["claimed_at"]),
        lease_expires_at=_moment(row["lease_expires_at"]),
        attempts=int(row["attempts"]),
        retry_at=_moment(row["retry_at"]),
        own_limits=LimitOverrides(
            _int(row["max_attempts"]),
            _int(row["max_run_seconds"]),
            _int(row["retry_backoff_seconds"]),
        ),
        stuck_since=_moment(row["stuck_since"]),
    )


def _agent(row: Mapping[str, Any]) -> ClaimingAgent:
    return ClaimingAgent(
        id=int(row["id"]),
        name=str(row["name"]),
        skills=tuple(str(skill) for skill in _json(row["skills"]) or ()),
        status=AgentStatus(row["status"]),
        wip_limit=int(row["wip_limit"]),
        paused=bool(row["paused"]),
        token_budget=_int(row["token_budget"]),
        last_heartbeat_at=_moment(row["last_heartbeat_at"]),
        created_at=_at(row["created_at"]),
        output_task_id=_int(row["output_task_id"]),
    )


def _record(agent: ClaimingAgent, row: Mapping[str, Any], board: bool) -> PickupRecord:
    return PickupRecord(
        agent=agent,
        autonomy=_json(row["autonomy"]),
        held=int(row["held"]),
        assigned_ready=int(row["assigned_ready"]),
        budget=Budget(_int(row["budget_tokens"]), _int(row["budget_cost"])),
        used=Totals(int(row["used_tokens"]), int(row["used_cost"])),
        board_used=Totals(int(row["board_tokens"]), int(row["board_cost"])) if board else None,
        approvals=tuple(
            InPlay(int(task_id), int(agent_id), str(name), status == "pending")
            for task_id, agent_id, name, status in _json(row["approvals"]) or ()
        ),
    )


# --- The statements as functions ------------------------------------------------------------


async def lock_and_read_pickup(
    conn: BaseDBAsyncClient, name: str, today: date, *, board: bool
) -> PickupRecord | None:
    """Lock the agent's row and read its side of the pickup rule (None: no such agent).
    Two statements on PostgreSQL (the lock, then the facts), one on SQLite."""
    if not _postgres(conn):
        sql = AGENT_AND_FACTS_WITH_BOARD if board else AGENT_AND_FACTS
        rows = await _rows(conn, sql, name, today)
        return _record(_agent(rows[0]), rows[0], board) if rows else None
    locked = await _rows(conn, LOCK_AGENT, name)
    if not locked:
        return None
    agent = _agent(locked[0])
    facts = await _rows(conn, PICKUP_FACTS_WITH_BOARD if board else PICKUP_FACTS, agent.id, today)
    return _record(agent, facts[0], board)


async def next_candidate(
    conn: BaseDBAsyncClient,
    agent: ClaimingAgent,
    now: datetime,
    passed: Sequence[int],
    *,
    own: bool,
) -> TaskView | None:
    """The first ready task in claim order, unlocked by anyone else, not waiting for an open
    dependency nor its retry backoff, not in `passed`: of those assigned to `agent` (`own`),
    else of those assigned to nobody. Locked until the change commits on PostgreSQL."""
    ids: object
    if _postgres(conn):
        sql, ids = (NEXT_OWN_TASK if own else NEXT_OPEN_TASK), list(passed)
    else:
        sql, ids = (NEXT_OWN_TASK_SQLITE if own else NEXT_OPEN_TASK_SQLITE), json.dumps(passed)
    rows = await _rows(conn, sql, now, ids, *([agent.id] if own else []))
    return task_of(rows[0], agent.name if own else None) if rows else None


async def claim(
    conn: BaseDBAsyncClient,
    task: TaskView,
    agent: ClaimingAgent,
    now: datetime,
    lease_expires_at: datetime,
) -> TaskView | None:
    """Hand the ready task to the agent at the version read; None when someone else moved it
    first (the caller's Conflict)."""
    rows = await _rows(conn, CLAIM_TASK, agent.id, now, lease_expires_at, task.id, task.version)
    if not rows:
        return None
    if agent.output_task_id is not None:
        await _rows(conn, FORGET_OUTPUT, agent.id)
    return task_of(rows[0], agent.name)


async def submit_held(
    conn: BaseDBAsyncClient,
    task_id: int,
    holder: str,
    result: str | None,
    now: datetime,
    expected_version: int | None,
) -> TaskView | None:
    """Move the task `holder` holds to review with its result, in one conditional write; None
    when the row is not that simple case (the general move then decides and explains)."""
    rows = await _rows(conn, SUBMIT_HELD_TASK, result, now, task_id, holder, expected_version)
    return task_of(rows[0], holder) if rows else None
