"""The "Decompose" button of the task page: preview the proposal, edit titles, then accept."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from nicegui import ui

from mission_control.domain.actors import Actor
from mission_control.services import decomposition
from mission_control.ui.session import Session


async def open_decomposition(
    session: Session, task_id: int, on_created: Callable[[], Awaitable[None]]
) -> None:
    """Ask the decomposer for a preview (nothing written) and let the operator edit it first."""
    ctx = session.runtime.ctx

    async def preview(actor: Actor) -> decomposition.Decomposition:
        return await decomposition.decompose_task(ctx, actor, task_id, preview=True)

    proposed = await session.run(preview)
    if proposed is None:
        return
    with ui.dialog() as dialog, ui.card().classes("w-[40rem]").mark("decompose-dialog"):
        ui.label(f"Split #{task_id} into {len(proposed.proposal)} subtasks").classes("font-bold")
        fields = []
        for index, item in enumerate(proposed.proposal):
            waits = ", ".join(f"{i + 1}" for i in item.depends_on)
            with ui.row().classes("w-full items-center gap-2"):
                ui.label(f"{index + 1}.")
                field = ui.input(value=item.title).classes("grow").mark(f"subtask-{index}")
                if waits:
                    ui.label(f"after {waits}").classes("text-xs text-slate-500")
            fields.append(field)

        async def accept(actor: Actor) -> decomposition.Decomposition:
            edited = [
                dataclasses.replace(item, title=str(field.value or ""))
                for item, field in zip(proposed.proposal, fields, strict=True)
            ]
            return await decomposition.accept_decomposition(ctx, actor, task_id, edited)

        async def create() -> None:
            written = await session.run(accept)
            if written is not None:
                dialog.close()
                ui.notify(f"Created {len(written.created)} subtasks", type="positive")
                await on_created()

        with ui.row():
            ui.button("Create subtasks", on_click=create).mark("decompose-accept")
            ui.button("Cancel", on_click=dialog.close).props("flat")
    dialog.open()
