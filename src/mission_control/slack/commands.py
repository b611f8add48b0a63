"""`/kanban` subcommands: parse the text Slack sends, call the services, answer in a sentence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mission_control.domain.actors import Actor
from mission_control.domain.errors import MissionControlError, ValidationFailed
from mission_control.domain.workflow import TaskStatus
from mission_control.services import approvals, control, moves, tasks
from mission_control.slack.escape import escape
from mission_control.slack.messages import task_link
from mission_control.store import queries
from mission_control.store.context import Context
from mission_control.store.views import TaskView

HELP = """*`/kanban` commands*
• `list [status]`: open tasks, or those in one status (ready, review, blocked…)
• `add <title> [p1..p5] [#tag…]`: a new task
• `show <id>`: one task
• `assign <id> <agent>`: suggest who picks it up
• `approve <id>`: accept a task in review, or grant its pending claim approval
• `block <id> <reason>` / `unblock <id>`
• `pause` / `resume`: stop or restart agents claiming work
Only allow-listed Slack users may change the board; everyone may read."""

LIST_LIMIT = 20

Handler = Callable[[Context, Actor, list[str]], Awaitable[str]]


def _task_id(word: str | None) -> int:
    text = (word or "").lstrip("#")
    if not text.isdigit():
        raise ValidationFailed(f"Expected a task number like 12, got {word!r}.")
    return int(text)


def _describe(task: TaskView, base_url: str) -> str:
    who = task.assignee or "nobody"
    priority = f"p{task.priority}" if task.priority else "no priority"
    return f"{task_link(task.id, task.title, base_url)} · {task.status.value} · {priority} · {who}"


async def _list(ctx: Context, actor: Actor, args: list[str]) -> str:
    statuses: list[TaskStatus] = []
    if args:
        try:
            statuses = [TaskStatus(args[0].lower())]
        except ValueError:
            known = ", ".join(s.value for s in TaskStatus)
            raise ValidationFailed(f"Unknown status {args[0]!r}; use one of {known}.") from None
    else:
        statuses = [s for s in TaskStatus if s not in (TaskStatus.DONE, TaskStatus.CANCELLED)]
    page = await queries.list_tasks(queries.TaskQuery(statuses=statuses), first=LIST_LIMIT)
    if not page.tasks:
        return "No tasks."
    lines = [_describe(task, ctx.settings.base_url) for task in page.tasks]
    total = page.total if page.total is not None else len(lines)
    more = f"\n…and {total - len(lines)} more" if total > len(lines) else ""
    return "\n".join(lines) + more


async def _add(ctx: Context, actor: Actor, args: list[str]) -> str:
    words, tags, priority = [], [], None
    for word in args:
        if len(word) == 2 and word[0].lower() == "p" and word[1] in "12345":
            priority = int(word[1])
        elif word.startswith("#") and len(word) > 1:
            tags.append(word[1:])
        else:
            words.append(word)
    draft = tasks.TaskDraft(title=" ".join(words), priority=priority, tags=tags)
    task = await tasks.create_task(ctx, actor, draft)
    return f"Created {task_link(task.id, task.title, ctx.settings.base_url)} ({task.status.value})."


async def _show(ctx: Context, actor: Actor, args: list[str]) -> str:
    task = await queries.get_task(_task_id(args[0] if args else None))
    lines = [_describe(task, ctx.settings.base_url)]
    if task.tags:
        lines.append("Tags: " + " ".join(f"#{tag}" for tag in task.tags))
    if task.block_reason:
        lines.append(f"Blocked: {escape(task.block_reason)}")
    if task.description:
        lines.append(escape(task.description))
    return "\n".join(lines)


async def _assign(ctx: Context, actor: Actor, args: list[str]) -> str:
    if len(args) < 2:
        raise ValidationFailed("Usage: assign <id> <agent>.")
    task = await tasks.assign_task(ctx, actor, _task_id(args[0]), args[1])
    return f"#{task.id} is suggested to {escape(args[1])}."


async def _approve(ctx: Context, actor: Actor, args: list[str]) -> str:
    task = await queries.get_task(_task_id(args[0] if args else None))
    if task.status is TaskStatus.REVIEW:
        done = await moves.approve_task(ctx, actor, task.id)
        return f"#{done.id} approved: {done.status.value}."
    pending = [a for a in await approvals.list_approvals() if a.task_id == task.id]
    if not pending:
        raise ValidationFailed(f"#{task.id} is {task.status.value}: nothing to approve.")
    await approvals.decide_approval(ctx, actor, pending[0].id, True)
    return f"Claim of #{task.id} by {escape(pending[0].agent)} granted."


async def _block(ctx: Context, actor: Actor, args: list[str]) -> str:
    task = await moves.block_task(
        ctx, actor, _task_id(args[0] if args else None), " ".join(args[1:])
    )
    return f"#{task.id} blocked: {escape(task.block_reason)}."


async def _unblock(ctx: Context, actor: Actor, args: list[str]) -> str:
    task = await moves.unblock_task(ctx, actor, _task_id(args[0] if args else None))
    return f"#{task.id} unblocked: {task.status.value}."


async def _set_paused(ctx: Context, actor: Actor, paused: bool) -> str:
    autonomy = await control.set_autonomy(ctx, actor, paused=paused)
    return "Agents are paused." if autonomy.paused else "Agents may claim work again."


async def _pause(ctx: Context, actor: Actor, args: list[str]) -> str:
    return await _set_paused(ctx, actor, True)


async def _resume(ctx: Context, actor: Actor, args: list[str]) -> str:
    return await _set_paused(ctx, actor, False)


async def _help(ctx: Context, actor: Actor, args: list[str]) -> str:
    return HELP


HANDLERS: dict[str, Handler] = {
    "list": _list,
    "add": _add,
    "show": _show,
    "assign": _assign,
    "approve": _approve,
    "block": _block,
    "unblock": _unblock,
    "pause": _pause,
    "resume": _resume,
    "help": _help,
}


async def run_command(ctx: Context, actor: Actor, text: str) -> str:
    """The reply to `/kanban <text>`; a refused or bad command is answered with why."""
    words = text.split()
    name = words[0].lower() if words else "help"
    handler = HANDLERS.get(name)
    if handler is None:
        return f"Unknown command {escape(repr(name))}.\n{HELP}"
    try:
        return await handler(ctx, actor, words[1:])
    except MissionControlError as error:
        return f":warning: {escape(error.message)}"
