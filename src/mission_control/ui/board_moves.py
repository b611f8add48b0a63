"""What a drop on the board asks first and what it can take back: the reason for a block, a
confirmation before a task is closed (Done, Cancelled), and the undo toast after other moves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from mission_control.domain.actors import Actor
from mission_control.domain.workflow import TRANSITIONS, Move, TaskStatus
from mission_control.services import moves, tasks
from mission_control.store.views import TaskView
from mission_control.ui.session import Session

Refresh = Callable[[list[int]], Awaitable[None]]
UNDO_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Undo:
    """How to put a task back where a drop took it from."""

    task_id: int
    before: TaskStatus
    holder: str | None
    block_reason: str | None

    def possible(self, after: TaskStatus) -> bool:
        """Whether the operator can make the way back (a release is undone by handing the task
        back to its holder; claims and submissions are the agents' own moves)."""
        if self.before is TaskStatus.IN_PROGRESS and after is TaskStatus.READY:
            return self.holder is not None
        back = TRANSITIONS.get((after, self.before))
        return back is not None and back not in (Move.CLAIM, Move.SUBMIT)

    async def run(self, session: Session, actor: Actor) -> TaskView:
        ctx = session.runtime.ctx
        if self.before is TaskStatus.IN_PROGRESS and self.holder is not None:
            return await tasks.assign_task(
                ctx, actor, self.task_id, self.holder, reason="undo on the board", force=True
            )
        if self.before is TaskStatus.BLOCKED:
            reason = self.block_reason or "put back on hold (undo on the board)"
            return await moves.block_task(ctx, actor, self.task_id, reason)
        return await moves.move_task(ctx, actor, self.task_id, self.before)


def undo_toast(session: Session, undo: Undo, after: TaskStatus, refresh: Refresh) -> None:
    """'Task #3 moved to ready · Undo' at the bottom of the page, for a few seconds."""
    moved = f"Task #{undo.task_id} moved to {str(after).replace('_', ' ')}."
    if not undo.possible(after):
        ui.notify(
            f"{moved} No undo: the operator has no move from {after} back to {undo.before}.",
            type="info",
        )
        return
    with (
        ui.card()
        .classes("mc-undo flex-row items-center gap-3 py-2 px-4")
        .mark("undo-toast") as toast
    ):
        ui.label(moved)

        async def take_back() -> None:
            toast.delete()
            if await session.run(lambda actor: undo.run(session, actor)) is not None:
                ui.notify(f"Task #{undo.task_id} is back in {undo.before}.", type="positive")
                await refresh([undo.task_id])

        ui.button("Undo", icon="undo", on_click=take_back).props("flat dense color=primary").mark(
            "undo"
        )
        ui.button(icon="close", on_click=toast.delete).props("flat dense round")
    ui.timer(UNDO_SECONDS, lambda: None if toast.is_deleted else toast.delete(), once=True)


def confirm_close(
    session: Session, task_id: int, target: TaskStatus, refresh: Refresh
) -> ui.dialog:
    """A drop on Done approves the work, one on Cancelled closes the task: ask first."""
    verb = "Approve" if target is TaskStatus.DONE else "Cancel"
    with ui.dialog() as dialog, ui.card().classes("w-[28rem] max-w-full").mark("confirm-close"):
        if target is TaskStatus.DONE:
            ui.label(f"Approve task #{task_id} and mark it done?")
        else:
            ui.label(f"Cancel task #{task_id}? It leaves the open columns.")
        ui.label("It can be reopened later from its page.").classes("text-sm mc-muted")
        reason = ui.input("Reason (optional)").classes("w-full").mark("close-reason")
        reason.set_visibility(target is TaskStatus.CANCELLED)

        async def close_it() -> None:
            async def act(actor: Actor) -> TaskView:
                ctx = session.runtime.ctx
                if target is TaskStatus.CANCELLED:
                    return await moves.cancel_task(ctx, actor, task_id, reason.value or None)
                return await moves.move_task(ctx, actor, task_id, target)

            dialog.close()
            if await session.run(act) is not None:
                ui.notify(f"Task #{task_id} is {target}.", type="positive")
            await refresh([task_id])

        with ui.row():
            ui.button(verb, on_click=close_it).props(
                "color=negative" if target is TaskStatus.CANCELLED else "color=positive"
            ).mark("close-confirm")
            ui.button("Keep it", on_click=dialog.close).props("flat").mark("close-keep")
    dialog.open()
    return dialog


def ask_feedback(session: Session, task_id: int, refresh: Refresh) -> ui.dialog:
    """A drop from Review back on In progress is a rejection: it needs the feedback."""
    with ui.dialog() as dialog, ui.card().classes("w-[28rem] max-w-full"):
        ui.label(f"Send task #{task_id} back: what should the agent change?")
        feedback = ui.textarea("Feedback").classes("w-full").mark("drop-feedback")

        async def reject() -> None:
            async def act(actor: Actor) -> TaskView:
                text = feedback.value or ""
                return await moves.reject_task(session.runtime.ctx, actor, task_id, text)

            if await session.run(act) is not None:
                dialog.close()
                await refresh([task_id])

        with ui.row():
            ui.button("Reject", on_click=reject).props("color=warning").mark("drop-reject")
            ui.button("Keep it", on_click=dialog.close).props("flat")
    dialog.open()
    return dialog


def ask_block_reason(session: Session, task_id: int, refresh: Refresh) -> ui.dialog:
    with ui.dialog() as dialog, ui.card():
        ui.label(f"Block task #{task_id}: what is it waiting for?")
        reason = ui.input("Reason").mark("block-reason")

        async def block() -> None:
            async def act(actor: Actor) -> TaskView:
                text = reason.value or ""
                return await moves.block_task(session.runtime.ctx, actor, task_id, text)

            if await session.run(act) is not None:
                dialog.close()
                await refresh([task_id])

        with ui.row():
            ui.button("Block", on_click=block).mark("block-confirm")
            ui.button("Cancel", on_click=dialog.close).props("flat")
    dialog.open()
    return dialog
