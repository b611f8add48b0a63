"""The page at `/`: filters, the "new task" dialog and the live board."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor
from mission_control.models import Task
from mission_control.runtime import Runtime
from mission_control.services import tasks
from mission_control.ui.board import BoardView
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login


def new_task_dialog(session: Session, board: BoardView) -> ui.dialog:
    """Title, description, priority and tags; a complete task goes straight to ready."""
    with ui.dialog() as dialog, ui.card().classes("w-[32rem]"):
        ui.label("New task").classes("text-lg font-bold")
        title = ui.input("Title").classes("w-full").mark("new-title")
        description = ui.textarea("Description").classes("w-full").mark("new-description")
        priority = ui.select({0: "none", 1: "P1", 2: "P2", 3: "P3", 4: "P4", 5: "P5"}, value=0)
        priority.props('label="Priority"').mark("new-priority")
        tags = ui.input("Tags (comma separated)").classes("w-full").mark("new-tags")

        async def create() -> None:
            draft = tasks.TaskDraft(
                title=title.value or "",
                description=description.value or "",
                priority=priority.value or None,
                tags=[t for t in (tags.value or "").split(",") if t.strip()],
            )

            async def act(actor: Actor) -> Task:
                return await tasks.create_task(session.runtime.ctx, actor, draft)

            task = await session.run(act)
            if task is not None:
                ui.notify(f"Task #{task.id} created", type="positive")
                for field in (title, description, tags):
                    field.value = ""
                dialog.close()
                await board.refresh([task.id])

        with ui.row():
            ui.button("Create", on_click=create).mark("new-create")
            ui.button("Cancel", on_click=dialog.close).props("flat")
    return dialog


def filter_bar(session: Session, board: BoardView) -> None:
    with ui.row().classes("items-end gap-2"):
        text = ui.input("Search").props("dense clearable").mark("filter-text")
        tag = ui.input("Tag").props("dense clearable").mark("filter-tag")
        assignee = ui.input("Assignee").props("dense clearable").mark("filter-assignee")
        priority = ui.select({0: "any", 1: "P1", 2: "P2", 3: "P3", 4: "P4", 5: "P5"}, value=0)
        priority.props('dense label="Priority"').classes("w-28").mark("filter-priority")

        async def apply() -> None:
            async def act(actor: Actor) -> bool:
                await board.set_filters(
                    text.value, tag.value, assignee.value, priority.value or None
                )
                return True

            await session.run(act)

        for field in (text, tag, assignee):
            field.on("keydown.enter", apply)
        priority.on_value_change(apply)
        ui.button("Filter", on_click=apply).props("dense").mark("filter-apply")


def register_board(runtime: Runtime) -> None:
    @ui.page("/", title="Mission Control · board")
    async def board_page() -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, "Board")
        board = BoardView(session)
        with ui.row().classes("w-full items-end"):
            filter_bar(session, board)
            ui.space()
            if session.can_write:
                dialog = new_task_dialog(session, board)
                ui.button("New task", icon="add", on_click=dialog.open).mark("new-task")
            else:
                ui.label("read-only: viewer").classes("text-slate-500").mark("read-only")
        since = runtime.hub.cursor
        board.build()
        await board.load()
        feed = LiveFeed(runtime.hub, board.apply, since=since)
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
