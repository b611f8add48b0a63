"""The page at `/`: filters, sorting, the "new task" dialog, keyboard shortcuts and the live
board."""

from __future__ import annotations

from nicegui import events, ui
from starlette.responses import RedirectResponse

from mission_control.domain.actors import Actor
from mission_control.domain.board_order import CardOrder
from mission_control.domain.workflow import TaskStatus
from mission_control.runtime import Runtime
from mission_control.services import tasks
from mission_control.store.views import TaskView
from mission_control.ui.board import BoardView
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login

DEFAULT_PRIORITY = 3
READY_RULE = (
    "A task is ready for the agents once it has a title, a description and a priority; "
    "until then it waits in Intake."
)
SHORTCUTS = {
    "n": "new task",
    "/": "search",
    "j / k": "next / previous card",
    "Enter": "open the focused card",
    "?": "this help",
}
AGENT_STATE_SECONDS = 30  # an agent turns offline by silence, with no Event to say so


def missing_for_ready(task: TaskView) -> list[str]:
    """What a new task still lacks to be ready (empty when it is)."""
    lacking = [] if task.description.strip() else ["a description"]
    return lacking + ([] if task.priority is not None else ["a priority"])


def new_task_dialog(session: Session, board: BoardView) -> ui.dialog:
    """Title, description, priority and tags; a complete task goes straight to ready."""
    with ui.dialog() as dialog, ui.card().classes("w-[32rem] max-w-full"):
        ui.label("New task").classes("text-lg font-bold")
        ui.label(READY_RULE).classes("text-sm mc-muted").mark("ready-rule")
        title = ui.input("Title").classes("w-full").mark("new-title")
        description = ui.textarea("Description").classes("w-full").mark("new-description")
        priority = ui.select(
            {0: "none", 1: "P1 (most urgent)", 2: "P2", 3: "P3", 4: "P4", 5: "P5"},
            value=DEFAULT_PRIORITY,
        )
        priority.props('label="Priority"').mark("new-priority")
        tags = ui.input("Tags (comma separated)").classes("w-full").mark("new-tags")

        async def create() -> None:
            draft = tasks.TaskDraft(
                title=title.value or "",
                description=description.value or "",
                priority=priority.value or None,
                tags=[t for t in (tags.value or "").split(",") if t.strip()],
            )

            async def act(actor: Actor) -> TaskView:
                return await tasks.create_task(session.runtime.ctx, actor, draft)

            task = await session.run(act)
            if task is not None:
                lacking = missing_for_ready(task)
                if task.status is TaskStatus.INTAKE and lacking:
                    ui.notify(
                        f"Task #{task.id} created in Intake: add {' and '.join(lacking)} "
                        f"to make it ready.",
                        type="warning",
                    )
                else:
                    ui.notify(f"Task #{task.id} created and ready", type="positive")
                for field in (title, description, tags):
                    field.value = ""
                priority.value = DEFAULT_PRIORITY
                dialog.close()
                await board.refresh([task.id])

        with ui.row():
            ui.button("Create", on_click=create).mark("new-create")
            ui.button("Cancel", on_click=dialog.close).props("flat")
    return dialog


def filter_bar(session: Session, board: BoardView) -> ui.input:
    """Search, tag, assignee, priority and the sort; returns the search field (for `/`)."""
    with ui.row().classes("mc-filters items-end gap-2"):
        text = ui.input("Search").props("dense clearable").mark("filter-text")
        tag = ui.input("Tag").props("dense clearable").mark("filter-tag")
        assignee = ui.input("Assignee").props("dense clearable").mark("filter-assignee")
        priority = ui.select({0: "any", 1: "P1", 2: "P2", 3: "P3", 4: "P4", 5: "P5"}, value=0)
        priority.props('dense label="Priority"').classes("w-28").mark("filter-priority")
        order = ui.select(
            {
                CardOrder.PRIORITY: "Priority (as claimed)",
                CardOrder.NEWEST: "Newest first",
                CardOrder.OLDEST: "Oldest first",
            },
            value=board.order,
        )
        order.props('dense label="Sort"').classes("w-44").mark("sort")

        async def apply() -> None:
            async def act(actor: Actor) -> bool:
                await board.set_filters(
                    text.value, tag.value, assignee.value, priority.value or None
                )
                return True

            await session.run(act)

        async def sort() -> None:
            await board.set_order(CardOrder(order.value))

        for field in (text, tag, assignee):
            field.on("keydown.enter", apply)
        priority.on_value_change(apply)
        order.on_value_change(sort)
        ui.button("Filter", on_click=apply).props("dense").mark("filter-apply")
    return text


def shortcuts_help() -> ui.dialog:
    with ui.dialog() as dialog, ui.card().mark("shortcuts-help"):
        ui.label("Keyboard shortcuts").classes("text-lg font-bold")
        for key, what in SHORTCUTS.items():
            with ui.row().classes("gap-3 items-center"):
                ui.badge(key, color="grey-8").classes("font-mono")
                ui.label(what)
        ui.button("Close", on_click=dialog.close).props("flat")
    return dialog


def keyboard_shortcuts(
    board: BoardView, search: ui.input, new_task: ui.dialog | None, help_dialog: ui.dialog
) -> ui.keyboard:
    """n new task, / search, j/k move between cards, Enter opens one, ? help. Keys typed into
    a field are the field's (ui.keyboard ignores inputs, selects and text areas)."""

    def on_key(event: events.KeyEventArguments) -> None:
        mods = event.modifiers
        if not event.action.keydown or mods.ctrl or mods.meta or mods.alt:
            return
        key = event.key.name
        if key == "n" and new_task is not None:
            new_task.open()
        elif key == "/":
            search.run_method("focus")
        elif key in ("j", "k"):
            board.move_focus(1 if key == "j" else -1)
        elif key == "Enter" and board.focused is not None:
            ui.navigate.to(f"/task/{board.focused}")
        elif key == "?":
            help_dialog.open()

    return ui.keyboard(on_key=on_key).mark("shortcuts")


def register_board(runtime: Runtime) -> None:
    @ui.page("/", title="Mission Control · board")
    async def board_page(sort: str | None = None) -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, "Board")
        order = CardOrder(sort) if sort in set(CardOrder) else CardOrder.PRIORITY
        board = BoardView(session, order=order)
        dialog = new_task_dialog(session, board) if session.can_write else None
        help_dialog = shortcuts_help()
        with ui.row().classes("w-full items-end gap-2"):
            search = filter_bar(session, board)
            ui.space()
            ui.button(icon="keyboard", on_click=help_dialog.open).props("flat round").mark(
                "shortcuts-button"
            ).tooltip("Keyboard shortcuts (?)")
            if dialog is not None:
                ui.button("New task", icon="add", on_click=dialog.open).mark("new-task")
            else:
                ui.label("read-only: viewer").classes("mc-muted").mark("read-only")
        keyboard_shortcuts(board, search, dialog, help_dialog)
        since = runtime.hub.cursor
        board.build()
        await board.load()
        feed = LiveFeed(runtime.hub, board.apply, since=since)
        feed.start()
        ui.timer(AGENT_STATE_SECONDS, board.refresh_agents)
        ui.context.client.on_delete(feed.stop)
        return None
