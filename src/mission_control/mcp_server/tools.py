"""The MCP server's tools, resources and prompt, on the typed client's operations.

One definition serves both transports: over stdio the operations go to a server over HTTP
(`GqlTransport`); at `/mcp` they run in-process against the same schema (`LocalRunner`). Either
way a tool calls exactly what the GraphQL mutation of the same name calls, so a refusal comes
back as the same code and sentence, here as a tool error `CODE: sentence`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from mission_control.client.generated.operations import Operations, TaskStatus
from mission_control.client.transport import ServerRefused, ServerUnreachable

if TYPE_CHECKING:
    from mission_control.client.generated.operations import McpGetTask

T = TypeVar("T")

# How an MCP request finds the operations to run: fixed (stdio) or for the caller's token (HTTP).
OperationsFor = Callable[[], Operations]

INSTRUCTIONS = (
    "Mission Control is the team's Kanban. Call next_task to claim work, report_progress "
    "while you work (it renews your claim), then submit_for_review with what you produced, "
    "or block_task with what you wait for. A refusal is a tool error 'CODE: sentence'."
)

WORK_PROMPT = """You are working task #{task_id} on the Mission Control board.

1. Call get_task({task_id}) and read the description, the feedback of an earlier review
   (if any) and the notes in its history.
2. Work in small steps. After each step call report_progress({task_id}, percent, note)
   with one line on what you did; this also keeps your claim alive (call heartbeat when a
   step takes long).
3. When the work is done, call submit_for_review({task_id}, result) with what you produced:
   files, branch, commands to check it, open questions.
4. If you cannot go on (missing access, unclear goal, waiting on task #N), call
   block_task({task_id}, reason) with what you wait for; do not guess.
5. A tool error 'CODE: sentence' means the board refused: FORBIDDEN or INVALID_TRANSITION
   on your task means it is no longer yours (cancelled, released or reassigned): stop.
"""


def compact(value: BaseModel | dict[str, Any] | list[Any]) -> str:
    """Tool output as compact JSON without nulls: an agent pays for every byte it reads."""
    return json.dumps(_drop_nulls(value), separators=(",", ":"), ensure_ascii=False)


def _drop_nulls(data: Any) -> Any:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    if isinstance(data, dict):
        return {k: _drop_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_drop_nulls(v) for v in data]
    return data


class Refusal(Exception):
    """The board said no: the text is 'CODE: sentence', as GraphQL's code and message."""


async def answer(call: Awaitable[T]) -> T:
    """Run one operation; a refusal keeps the server's code and sentence."""
    try:
        return await call
    except ServerRefused as error:
        raise Refusal(f"{error.code or 'ERROR'}: {error.args[0]}") from None
    except ServerUnreachable as error:
        raise Refusal(
            f"UNAVAILABLE: The Mission Control server cannot be reached ({error})."
        ) from None


READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False)
ToolFunction = Callable[..., Awaitable[str]]


def tool(server: MCPServer[Any], *, read_only: bool = False) -> Callable[[ToolFunction], Any]:
    """Register a tool whose refusals are tool errors with exactly 'CODE: sentence' (the SDK
    would prefix a raised error with 'Error executing tool ...')."""

    def register(function: ToolFunction) -> ToolFunction:
        @functools.wraps(function)
        async def refusing(*args: Any, **kwargs: Any) -> str | CallToolResult:
            try:
                return await function(*args, **kwargs)
            except Refusal as refusal:
                text = TextContent(type="text", text=str(refusal))
                return CallToolResult(content=[text], is_error=True)

        annotations = READ_ONLY if read_only else None
        server.tool(structured_output=False, annotations=annotations)(refusing)
        return function

    return register


def build_server(ops_for: OperationsFor, *, operator_tools: bool = False) -> MCPServer[Any]:
    """The MCP server: the agent's small tool set, plus the operator's when asked for."""
    server: MCPServer[Any] = MCPServer(
        "mission-control", instructions=INSTRUCTIONS, log_level="WARNING"
    )
    add_agent_tools(server, ops_for)
    if operator_tools:
        add_operator_tools(server, ops_for)
    add_resources(server, ops_for)
    return server


def add_agent_tools(server: MCPServer[Any], ops_for: OperationsFor) -> None:
    """What an agent needs to work a task; each description is short on purpose."""

    @tool(server)
    async def next_task(task_id: int | None = None) -> str:
        """Claim your next task (or the ready task `task_id`). Outcome CLAIMED with the task,
        AWAITING_APPROVAL (the operator decides; ask again later) or NOTHING with why."""
        ops = ops_for()
        if task_id is not None:
            task = (await answer(ops.mcp_claim_task(task_id))).claim_task
            return compact({"outcome": "CLAIMED", "task": task.model_dump(mode="json")})
        return compact((await answer(ops.mcp_next_task())).claim_next_task)

    @tool(server, read_only=True)
    async def get_task(task_id: int) -> str:
        """A task with its review feedback, result, block reason, comments and history (notes)."""
        found = await answer(ops_for().mcp_get_task(task_id))
        return _task_with_history(found)

    @tool(server)
    async def report_progress(task_id: int, progress: int, note: str | None = None) -> str:
        """Say how far your task is (0-100) with a one-line note; renews your claim."""
        ops = ops_for()
        return compact(
            (await answer(ops.mcp_report_progress(task_id, progress, note=note))).report_progress
        )

    @tool(server)
    async def submit_for_review(task_id: int, result: str) -> str:
        """Hand your finished task to the operator with what you produced."""
        ops = ops_for()
        submitted = await answer(ops.mcp_submit_for_review(task_id, result=result))
        return compact(submitted.submit_for_review)

    @tool(server)
    async def block_task(task_id: int, reason: str) -> str:
        """Stop on a task you cannot finish, saying what it waits for."""
        blocked = await answer(ops_for().mcp_block_task(task_id, reason))
        return compact(blocked.block_task)

    @tool(server)
    async def heartbeat(note: str | None = None, token_budget: int | None = None) -> str:
        """Say you are alive (renews your claim); `paused` true means take no new task."""
        beat = await answer(ops_for().mcp_heartbeat(note=note, token_budget=token_budget))
        return compact(beat.heartbeat)


def add_operator_tools(server: MCPServer[Any], ops_for: OperationsFor) -> None:
    """The operator's larger set: opt-in, since every tool costs an agent context."""

    @tool(server, read_only=True)
    async def list_tasks(
        status: list[TaskStatus] | None = None,
        assignee: str | None = None,
        tag: str | None = None,
        text: str | None = None,
        limit: int = 20,
    ) -> str:
        """Tasks newest first, filtered by status, assignee, tag or words in title/text."""
        where = {"status": status, "assignee": assignee, "tag": tag, "text": text}
        where = {key: value for key, value in where.items() if value}
        page = await answer(ops_for().mcp_list_tasks(where=where or None, first=limit))
        return compact(page.tasks)

    @tool(server)
    async def create_task(
        title: str,
        description: str = "",
        priority: int | None = None,
        tags: list[str] | None = None,
    ) -> str:
        """Create a task (priority 1 urgent .. 5; tags are the skills it needs)."""
        draft = {"title": title, "description": description, "priority": priority, "tags": tags}
        return compact((await answer(ops_for().mcp_create_task(draft))).create_task)

    @tool(server)
    async def approve_task(task_id: int) -> str:
        """Accept a task in review: it is done."""
        return compact((await answer(ops_for().mcp_approve_task(task_id))).approve_task)

    @tool(server)
    async def reject_task(task_id: int, feedback: str) -> str:
        """Send a task in review back to its agent with what to change."""
        rejected = await answer(ops_for().mcp_reject_task(task_id, feedback))
        return compact(rejected.reject_task)

    @tool(server)
    async def assign_task(task_id: int, agent: str | None = None) -> str:
        """Suggest an agent for a task (no agent: clear the suggestion)."""
        return compact((await answer(ops_for().mcp_assign_task(task_id, agent=agent))).assign_task)

    @tool(server)
    async def pause(agent: str | None = None, resume: bool = False) -> str:
        """Pause (or resume) one agent, or without an agent all autonomous pickup."""
        ops = ops_for()
        if agent is not None:
            if resume:
                return compact((await answer(ops.mcp_resume_agent(agent))).resume_agent)
            return compact((await answer(ops.mcp_pause_agent(agent))).pause_agent)
        autonomy = await answer(ops.mcp_set_autonomy(paused=not resume))
        return compact(autonomy.set_autonomy)


def add_resources(server: MCPServer[Any], ops_for: OperationsFor) -> None:
    """The board and a task as resources, and the prompt on how to work a task."""

    @server.resource(
        "mission-control://board", mime_type="application/json", description="Columns, counts"
    )
    async def board() -> str:
        return compact((await _read(ops_for().mcp_board(per_column=5))).board)

    @server.resource(
        "mission-control://task/{task_id}",
        mime_type="application/json",
        description="One task with its history",
    )
    async def task(task_id: int) -> str:
        return _task_with_history(await _read(ops_for().mcp_get_task(task_id)))

    @server.prompt(description="How to work a Mission Control task with these tools.")
    def work_task(task_id: int) -> str:
        return WORK_PROMPT.format(task_id=task_id)


async def _read(call: Awaitable[T]) -> T:
    """A resource read: a refusal is a resource error with the same 'CODE: sentence'."""
    try:
        return await answer(call)
    except Refusal as refusal:
        raise ResourceError(str(refusal)) from None


def _task_with_history(found: McpGetTask) -> str:
    history = [
        _event_line(event.model_dump(mode="json", by_alias=True)) for event in found.task_history
    ]
    return compact({"task": found.task, "history": history})


def _event_line(event: dict[str, Any]) -> dict[str, Any]:
    """An Event as few tokens as it can be: who did what, the move, the note or reason."""
    line: dict[str, Any] = {"at": event["createdAt"][:19], "kind": event["kind"]}
    line["by"] = event["actor"]
    if event.get("toStatus"):
        line["to"] = event["toStatus"]
    payload = event.get("payload") or {}
    for key in ("progress", "note", "reason"):
        if payload.get(key) is not None:
            line[key] = payload[key]
    return line
