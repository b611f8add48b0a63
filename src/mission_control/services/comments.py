"""Comments on a task: the operator and the agents working on it talk about the work."""

from __future__ import annotations

from mission_control.domain import limits
from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.domain.permissions import require_writer
from mission_control.store.comments import CommentView, comments_of, insert_comment
from mission_control.store.context import Context
from mission_control.store.journal import change
from mission_control.store.tasks import assignee_name, load_task

__all__ = ["CommentView", "add_comment", "comments_of"]


async def add_comment(ctx: Context, actor: Actor, task_id: int, body: str) -> CommentView:
    """Add a comment to a task, with a COMMENTED Event in the same change.

    The operator may comment on any task; an agent only on a task it holds or is assigned;
    a viewer on none."""
    require_writer(actor)
    text = limits.clean_text(body.strip(), "comment", limits.COMMENT_MAX)
    if not text:
        raise ValidationFailed("A comment needs some text.", field="comment")
    async with change(ctx) as ch:
        task = await load_task(task_id, ch.conn)
        holder = assignee_name(task)
        if actor.role is Role.AGENT and holder != actor.name:
            raise Forbidden(
                f"Agent {actor.name} is not assigned task #{task.id}; an agent comments only on "
                f"the tasks it holds or is assigned.",
                holder=holder,
            )
        comment = await insert_comment(ch, task.id, actor.label, text)
        ch.record(
            EventKind.COMMENTED,
            actor.label,
            task_id=task.id,
            agent_name=holder,
            comment_id=comment.id,
            body=text,
        )
    return comment
