"""Comments (services/comments.py): who may comment where, bounded text, one Event each."""

from __future__ import annotations

import pytest

from mission_control.domain import limits
from mission_control.domain.actors import OPERATOR, Actor, Role
from mission_control.domain.errors import Forbidden, NotFound, ValidationFailed
from mission_control.domain.events import EventKind
from mission_control.models import Comment
from mission_control.services.claims import claim_task
from mission_control.services.comments import add_comment, comments_of
from mission_control.services.tasks import assign_task
from mission_control.store import comments as store_comments
from mission_control.store.context import Context
from tests.services.events import event_count, last_of
from tests.support.factories import add_agent, add_task

VIEWER = Actor(Role.VIEWER, "guest")


async def nothing_changed(before: tuple[int, int]) -> bool:
    return (await Comment.all().count(), await event_count()) == before


async def snapshot() -> tuple[int, int]:
    return await Comment.all().count(), await event_count()


async def test_the_operator_comments_and_the_comment_is_an_event(ctx: Context) -> None:
    task = await add_task(ctx)

    comment = await add_comment(ctx, OPERATOR, task.id, "  Please add the totals.  ")

    assert (comment.author, comment.body, comment.task_id) == (
        "operator",
        "Please add the totals.",
        task.id,
    )
    event = await last_of(task.id)
    assert event.kind == EventKind.COMMENTED.value and event.actor == "operator"
    assert event.payload["comment_id"] == comment.id
    assert event.payload["body"] == "Please add the totals."


async def test_an_agent_comments_on_the_task_it_holds(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)

    await add_comment(ctx, dev, task.id, "Which week do you mean?")

    (only,) = (await comments_of([task.id]))[task.id]
    assert only.author == "agent:dev" and only.body == "Which week do you mean?"


async def test_an_agent_comments_on_a_task_it_is_assigned_before_claiming(ctx: Context) -> None:
    dev = await add_agent(ctx)
    task = await add_task(ctx)
    await assign_task(ctx, OPERATOR, task.id, "dev")

    await add_comment(ctx, dev, task.id, "I will take this after lunch.")

    assert len((await comments_of([task.id]))[task.id]) == 1


async def test_an_agent_not_holding_the_task_cannot_comment(ctx: Context) -> None:
    dev = await add_agent(ctx)
    ops = await add_agent(ctx, "ops")
    task = await add_task(ctx)
    await claim_task(ctx, dev, task.id)
    before = await snapshot()

    with pytest.raises(Forbidden, match="not assigned"):
        await add_comment(ctx, ops, task.id, "let me in")

    assert await nothing_changed(before)


async def test_a_viewer_cannot_comment(ctx: Context) -> None:
    task = await add_task(ctx)
    before = await snapshot()

    with pytest.raises(Forbidden, match="viewer"):
        await add_comment(ctx, VIEWER, task.id, "looks good")

    assert await nothing_changed(before)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("x" * (limits.COMMENT_MAX + 1), "at most"),
        ("   \n ", "needs some text"),
        ("bell \x07 rings", "control character"),
    ],
    ids=["too-long", "blank", "control"],
)
async def test_bad_comment_text_is_refused_and_changes_nothing(
    ctx: Context, body: str, why: str
) -> None:
    task = await add_task(ctx)
    before = await snapshot()

    with pytest.raises(ValidationFailed, match=why):
        await add_comment(ctx, OPERATOR, task.id, body)

    assert await nothing_changed(before)


async def test_a_comment_on_a_missing_task_is_not_found_and_changes_nothing(
    ctx: Context,
) -> None:
    before = await snapshot()

    with pytest.raises(NotFound, match="#999"):
        await add_comment(ctx, OPERATOR, 999, "hello?")

    assert await nothing_changed(before)


async def test_comments_of_many_tasks_come_in_one_read_oldest_first(ctx: Context) -> None:
    first, second, quiet = await add_task(ctx), await add_task(ctx), await add_task(ctx)
    for text in ("one", "two"):
        await add_comment(ctx, OPERATOR, first.id, text)
    await add_comment(ctx, OPERATOR, second.id, "three")

    found = await comments_of([first.id, second.id, quiet.id])

    assert [c.body for c in found[first.id]] == ["one", "two"]
    assert [c.body for c in found[second.id]] == ["three"]
    assert found[quiet.id] == []


async def test_a_long_thread_shows_each_task_s_newest_comments_oldest_first(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_comments, "COMMENTS_SHOWN", 3)
    long, short = await add_task(ctx), await add_task(ctx)
    for n in range(6):
        await add_comment(ctx, OPERATOR, long.id, f"long {n}")
    await add_comment(ctx, OPERATOR, short.id, "short")

    found = await comments_of([long.id, short.id])

    assert [c.body for c in found[long.id]] == ["long 3", "long 4", "long 5"]
    assert [c.body for c in found[short.id]] == ["short"]
