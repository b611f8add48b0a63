"""Reading the board: task lists with filters and cursors, the columns, a task's history."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections
from tortoise.expressions import Q, RawSQL
from tortoise.filters import escape_like
from tortoise.queryset import QuerySet

from mission_control.domain import limits
from mission_control.domain.board_order import CardOrder
from mission_control.domain.errors import ValidationFailed
from mission_control.domain.events import EventRecord
from mission_control.domain.workflow import BOARD_ORDER, TaskStatus
from mission_control.models import Event, Task
from mission_control.store.claims import RANK, T_COLUMNS, task_of
from mission_control.store.event_log import DatabaseEventStore
from mission_control.store.journal import to_record
from mission_control.store.tasks import load_task
from mission_control.store.views import TaskView, task_view, task_views

EVENTS_MAX = 1000
PAGE_MAX = 500


@dataclass(frozen=True)
class TaskQuery:
    statuses: Sequence[TaskStatus] = ()
    assignee: str | None = None
    tag: str | None = None
    text: str | None = None
    priority: int | None = None
    parent_id: int | None = None


@dataclass
class TaskPage:
    tasks: list[TaskView]
    total: int | None  # None unless asked for: a COUNT over every row the filter matches
    end_cursor: str | None
    has_next: bool


@dataclass
class Column:
    status: TaskStatus
    count: int
    tasks: list[TaskView] = field(default_factory=list)


def urgency() -> RawSQL:
    """A card's rank in its column: its priority, no priority counting as one below 5.

    Written out with the number in it, as the claim-order index of migration 13 spells it
    (`COALESCE("priority", 6)`): a bound parameter there would stop SQLite and PostgreSQL from
    reading the index in order, and each column would sort every row of its status.
    """
    return RawSQL(f'COALESCE("priority", {limits.PRIORITY_MAX + 1})')


def encode_cursor(task_id: int) -> str:
    return base64.urlsafe_b64encode(f"task:{task_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The task id a cursor points after, or VALIDATION for a cursor not made here."""
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "task":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed(
            "This cursor is not valid; pass the endCursor of a previous page."
        ) from error


def _filtered(query: TaskQuery) -> Q:
    condition = Q()
    if query.statuses:
        condition &= Q(status__in=list(query.statuses))
    if query.assignee:
        condition &= Q(assignee__name=query.assignee.strip().lower())
    if query.tag:
        (tag,) = limits.clean_tags([query.tag])
        condition &= Q(tag_text__contains=f" {tag} ")
    if query.text and query.text.strip():
        words = query.text.strip()
        condition &= Q(title__icontains=words) | Q(description__icontains=words)
    if query.priority is not None:
        condition &= Q(priority=limits.clean_priority(query.priority))
    if query.parent_id is not None:
        condition &= Q(parent_id=query.parent_id)
    return condition


async def count_tasks(query: TaskQuery) -> int:
    """How many tasks the filter matches (a COUNT: it grows with the table)."""
    return await Task.filter(_filtered(query)).count()


async def list_tasks(
    query: TaskQuery, first: int = 50, after: str | None = None, *, with_total: bool = True
) -> TaskPage:
    """A page of tasks, newest first; `after` is the endCursor of the page before. A caller that
    shows no total passes `with_total=False` and saves the COUNT."""
    if not 1 <= first <= PAGE_MAX:
        raise ValidationFailed(f"Ask for 1 to {PAGE_MAX} tasks at a time.", field="first")
    base = Task.filter(_filtered(query))
    total = await base.count() if with_total else None
    page_query = base
    if after:
        page_query = page_query.filter(id__lt=decode_cursor(after))
    rows = await page_query.order_by("-id").limit(first + 1).prefetch_related("assignee")
    has_next = len(rows) > first
    rows = rows[:first]
    return TaskPage(
        tasks=task_views(rows),
        total=total,
        end_cursor=encode_cursor(rows[-1].id) if rows else None,
        has_next=has_next,
    )


async def column_cards(
    query: TaskQuery, order: CardOrder, first: int = 30, offset: int = 0
) -> tuple[list[TaskView], bool]:
    """A board column's cards in the chosen order from `offset` on, and whether more follow."""
    if not 1 <= first <= PAGE_MAX:
        raise ValidationFailed(f"Ask for 1 to {PAGE_MAX} tasks at a time.", field="first")
    base = Task.filter(_filtered(query))
    if order is CardOrder.PRIORITY:
        base = by_urgency(base)
    else:
        base = base.order_by("-id" if order is CardOrder.NEWEST else "id")
    rows = list(await base.offset(max(0, offset)).limit(first + 1).prefetch_related("assignee"))
    return task_views(rows[:first]), len(rows) > first


def by_urgency(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Most urgent first, then oldest: read in order from the index of migration 13 when the
    tasks are of one status, so a column's first cards cost the same at any size."""
    return tasks.annotate(rank=urgency()).order_by("rank", "created_at", "id")


# --- The board: hand-written, two statements whatever the number of columns -------------

# A column's first cards in the order of migration 13's index (`RANK`, spelt as it indexes
# it), with the assignee's name; {where} is the filter's conditions (`board_filter`). The
# columns are joined with UNION ALL and put in order again (`BOARD_ORDER_BY`: a few hundred
# rows at most), as a UNION does not promise to keep its parts' order.
BOARD_COLUMN = f"""SELECT * FROM (
    SELECT {T_COLUMNS}, g.name AS assignee_name, {{n}} AS board_column, {RANK} AS board_rank
    FROM "tasks" t LEFT JOIN "agents" g ON g.id = t.assignee_id
    WHERE t.status = '{{status}}'{{where}}
    ORDER BY {RANK}, t.created_at, t.id LIMIT {{limit}}) c{{n}}"""
BOARD_ORDER_BY = "\nORDER BY board_column, board_rank, created_at, id"
# A column's count, counted in the status index: one scalar subquery per counted column.
BOARD_COUNT = """(SELECT COUNT(*) FROM "tasks" t WHERE t.status = '{status}'{where}) AS c{n}"""


def board_filter(query: TaskQuery) -> tuple[str, list[object]]:
    """`_filtered`'s conditions (but the statuses, which pick the columns) as SQL with `$n`
    parameters, matching rows as the ORM's lookups do: the assignee by its cleaned name, the
    tag and the text as LIKE patterns with `%`, `_` and `\\` escaped, the text in any case."""
    conditions: list[str] = []
    params: list[object] = []

    def add(condition: str, *values: object) -> None:
        numbers = range(len(params) + 1, len(params) + 1 + len(values))
        conditions.append(condition.format(*(f"${n}" for n in numbers)))
        params.extend(values)

    if query.assignee:
        add(
            't.assignee_id IN (SELECT a.id FROM "agents" a WHERE a.name = {0})',
            query.assignee.strip().lower(),
        )
    if query.tag:
        (tag,) = limits.clean_tags([query.tag])
        add("t.tag_text LIKE {0} ESCAPE '\\'", f"% {escape_like(tag)} %")
    if query.text and query.text.strip():
        add(
            "(UPPER(t.title) LIKE UPPER({0}) ESCAPE '\\'"
            " OR UPPER(t.description) LIKE UPPER({0}) ESCAPE '\\')",
            f"%{escape_like(query.text.strip())}%",
        )
    if query.priority is not None:
        add("t.priority = {0}", limits.clean_priority(query.priority))
    if query.parent_id is not None:
        add("t.parent_id = {0}", query.parent_id)
    return "".join(f" AND {condition}" for condition in conditions), params


async def _board_rows(sql: str, params: list[object]) -> list[dict[str, Any]]:
    conn = connections.get("default")
    text = sql if conn.capabilities.dialect == "postgres" else sql.replace("$", "?")
    return list(await conn.execute_query_dict(text, params))


async def board(query: TaskQuery | None = None, per_column: int = 50) -> list[Column]:
    """Every status column in board order with its count and its first cards by urgency.

    Two statements, written here rather than built by the ORM for each column (building and
    reading back fourteen ORM queries was most of a board request's time): every column's
    first cards with their assignees in one UNION ALL of index-ordered LIMIT reads, then the
    counts of the columns the cards do not already tell (a column with fewer cards than asked
    for holds exactly those), each counted in the status index. A GROUP BY of all of them
    would read every row of the board in one go instead. The rows become `TaskView`s
    directly (`task_of`), no ORM model per card.
    """
    if per_column < 0:
        raise ValidationFailed(
            "Ask for 0 or more cards per column (0 gives the counts only).", field="per_column"
        )
    query = query or TaskQuery()
    per_column = min(per_column, PAGE_MAX)
    where, params = board_filter(query)
    shown = [status for status in BOARD_ORDER if not query.statuses or status in query.statuses]
    cards: dict[TaskStatus, list[TaskView]] = {status: [] for status in BOARD_ORDER}
    if per_column and shown:
        reads = (
            BOARD_COLUMN.format(status=status.value, where=where, limit=per_column, n=n)
            for n, status in enumerate(shown)
        )
        for row in await _board_rows("\nUNION ALL\n".join(reads) + BOARD_ORDER_BY, params):
            view = task_of(row, row["assignee_name"])
            cards[view.status].append(view)
    counts = {status: len(cards[status]) for status in BOARD_ORDER}
    full = [status for status in shown if counts[status] >= per_column]
    if full:
        subqueries = (
            BOARD_COUNT.format(status=status.value, where=where, n=n)
            for n, status in enumerate(full)
        )
        (row,) = await _board_rows(f"SELECT {', '.join(subqueries)}", params)
        counts.update((status, int(row[f"c{n}"])) for n, status in enumerate(full))
    return [
        Column(status=status, count=counts[status], tasks=cards[status]) for status in BOARD_ORDER
    ]


async def get_task(task_id: int) -> TaskView:
    """One task, or NOT_FOUND."""
    return task_view(await load_task(task_id))


async def task_history(task_id: int, limit: int = 200) -> list[EventRecord]:
    """A task's latest Events (up to `limit`), oldest first."""
    await load_task(task_id)
    # The newest `limit` Events, oldest first: a long-running task keeps its recent history.
    rows = await Event.filter(task_id=task_id).order_by("-id").limit(limit)
    return [to_record(row) for row in reversed(rows)]


async def events_after(after: int, limit: int = 200) -> list[EventRecord]:
    """The audit log after an Event id, in delivery order like a subscription (for catching up
    without one): the last id returned is where the next call resumes."""
    if limit < 1:
        raise ValidationFailed("Ask for at least one Event.", field="limit")
    log = DatabaseEventStore()
    batch = await log.after(await log.position_of(after), min(limit, EVENTS_MAX))
    return list(batch.events)


async def subtasks_of(parent_ids: Sequence[int]) -> dict[int, list[TaskView]]:
    """The subtasks of each task, lowest id first, in one query."""
    found: dict[int, list[TaskView]] = {parent_id: [] for parent_id in parent_ids}
    if found:
        children = Task.filter(parent_id__in=list(found)).order_by("id")
        for row in await children.prefetch_related("assignee"):
            found[row.parent_id].append(task_view(row))  # type: ignore[index]
    return found


async def subtasks(task_id: int) -> list[TaskView]:
    """A task's subtasks, lowest id first."""
    return task_views(
        await Task.filter(parent_id=task_id).order_by("id").prefetch_related("assignee")
    )
