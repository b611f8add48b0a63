"""The operator's tokens on the agents page: list, issue, revoke, rotate; a new secret shown once.

Rows are kept by token id and updated in place, so a live update never rebuilds a row under
the operator's click. Only the operator sees the panel (services/tokens.py checks it too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from mission_control.domain.actors import Actor, Role
from mission_control.domain.events import EventKind
from mission_control.services import tokens
from mission_control.store.views import TokenView
from mission_control.ui.cards import age_of
from mission_control.ui.session import Session

# Events after which the list may have changed (agents come with a token of their own).
CHANGES_TOKENS = frozenset(
    {
        EventKind.TOKEN_ISSUED,
        EventKind.TOKEN_REVOKED,
        EventKind.AGENT_REGISTERED,
        EventKind.AGENT_UPDATED,
    }
)
EXPIRIES = {"never": None, "1 day": 86_400, "30 days": 30 * 86_400, "1 year": 365 * 86_400}


def used_text(info: TokenView) -> str:
    """'created 3d ago · used 5m ago · expires in 29d'."""
    parts = [f"created {age_of(info.created_at)} ago"]
    parts.append(f"used {age_of(info.last_used_at)} ago" if info.last_used_at else "never used")
    if info.expires_at is not None:
        parts.append(f"expires {info.expires_at:%Y-%m-%d %H:%M} UTC")
    return " · ".join(parts)


class TokenRow(ui.row):
    """One live token with its Revoke and Rotate buttons."""

    def __init__(self, info: TokenView, panel: TokenPanel) -> None:
        super().__init__()
        self.token_id = info.id
        self.classes("w-full items-center gap-2 no-wrap").mark(f"token-{info.id}")
        with self:
            ui.icon({"agent": "smart_toy", "viewer": "visibility"}.get(str(info.role), "person"))
            with ui.column().classes("gap-0 grow min-w-0"):
                ui.label(f"{info.name} ({info.role})").classes("font-medium")
                self.detail = ui.label(used_text(info)).classes("text-xs text-slate-500")
            ui.button(icon="autorenew", on_click=lambda: panel.confirm(info, rotate=True)).props(
                "dense flat"
            ).mark(f"rotate-{info.id}").tooltip("Rotate: a new secret, the old one refused")
            ui.button(icon="block", on_click=lambda: panel.confirm(info, rotate=False)).props(
                "dense flat color=negative"
            ).mark(f"revoke-{info.id}").tooltip("Revoke: refused from the next request")

    def show(self, info: TokenView) -> None:
        self.detail.set_text(used_text(info))


class TokenPanel:
    """The tokens section; `load` brings the rows up to date in place."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ctx = session.runtime.ctx
        self.rows: dict[int, TokenRow] = {}
        self.pending: TokenView | None = None
        self.rotating = False
        with ui.row().classes("items-center gap-2 mt-4"):
            ui.icon("key")
            self.title = ui.label("Tokens").classes("text-lg font-bold")
            ui.button("Issue token", icon="add", on_click=self.open_issue).props(
                "dense outline"
            ).mark("issue-token")
        self.list = ui.column().classes("w-full max-w-3xl gap-1").mark("tokens")
        self._build_dialogs()

    def _build_dialogs(self) -> None:
        with ui.dialog() as self.issue_dialog, ui.card().classes("min-w-80"):
            ui.label("A token for a person").classes("font-bold")
            self.issue_name = ui.input("Name (e.g. klein)").mark("token-name")
            self.issue_role = ui.toggle(
                {"operator": "operator", "viewer": "viewer"}, value="viewer"
            )
            self.issue_role.mark("token-role")
            self.issue_expiry = ui.select(list(EXPIRIES), value="never", label="Expires")
            ui.button("Issue", on_click=self.issue).mark("token-issue-confirm")
        with ui.dialog() as self.confirm_dialog, ui.card():
            self.confirm_text = ui.label("")
            with ui.row():
                ui.button("Cancel", on_click=self.confirm_dialog.close).props("flat")
                self.confirm_button = ui.button("Revoke", on_click=self.decide).mark(
                    "token-confirm"
                )
        with ui.dialog().props("persistent") as self.secret_dialog, ui.card():
            self.secret_title = ui.label("").classes("font-bold")
            ui.label("Copy it now: it is shown this once and stored only as a hash.").classes(
                "text-sm"
            )
            self.secret = ui.input(value="").props("readonly outlined dense").classes("w-96")
            self.secret.classes("max-w-full font-mono").mark("token-secret")
            with ui.row():
                ui.button(
                    "Copy",
                    icon="content_copy",
                    on_click=lambda: ui.clipboard.write(self.secret.value),
                ).props("flat")
                ui.button("Done", on_click=self.forget_secret).mark("token-secret-done")

    async def load(self) -> None:
        """Bring the rows up to date: new tokens appear, revoked ones go, the rest update."""
        actor = await self.session.current_actor()
        if actor is None or actor.role is not Role.OPERATOR:
            return
        live = await tokens.list_tokens(self.ctx, actor)
        self.title.set_text(f"Tokens ({len(live)})")
        wanted = {info.id: info for info in live}
        for token_id in set(self.rows) - set(wanted):
            self.list.remove(self.rows.pop(token_id))
        for info in live:
            if info.id in self.rows:
                self.rows[info.id].show(info)
            else:
                with self.list:
                    self.rows[info.id] = TokenRow(info, self)

    def open_issue(self) -> None:
        self.issue_name.value = ""
        self.issue_dialog.open()

    async def issue(self) -> None:
        name = (self.issue_name.value or "").strip()
        role, expiry = Role(self.issue_role.value), EXPIRIES[self.issue_expiry.value]

        async def act(actor: Actor) -> tuple[TokenView, str]:
            return await tokens.issue_person_token(self.ctx, actor, name, role, expiry)

        issued = await self.session.run(act)
        if issued is not None:
            self.issue_dialog.close()
            self.reveal(f"New {role} token for {issued[0].name}", issued[1])
        await self.load()

    def confirm(self, info: TokenView, *, rotate: bool) -> None:
        self.pending, self.rotating = info, rotate
        who = f"{info.name} ({info.role})"
        if rotate:
            self.confirm_text.set_text(f"Rotate {who}? The old secret is refused at once.")
        else:
            self.confirm_text.set_text(f"Revoke {who}? It is refused from the next request.")
        self.confirm_button.set_text("Rotate" if rotate else "Revoke")
        self.confirm_dialog.open()

    async def decide(self) -> None:
        info, rotate = self.pending, self.rotating
        self.confirm_dialog.close()
        if info is None:
            return
        act: Callable[[Actor], Awaitable[object]]
        if rotate:

            async def act(actor: Actor) -> object:
                return await tokens.rotate_token(self.ctx, actor, info.id)
        else:

            async def act(actor: Actor) -> object:
                return await tokens.revoke_token(self.ctx, actor, info.id)

        done = await self.session.run(act)
        if isinstance(done, tuple):
            self.reveal(f"New secret for {info.name} ({info.role})", str(done[1]))
        elif done is not None:
            ui.notify(f"Token {info.name} revoked", type="positive")
        await self.load()

    def reveal(self, title: str, secret: str) -> None:
        """Show a new secret once; `forget_secret` wipes it from the page."""
        self.secret_title.set_text(title)
        self.secret.value = secret
        self.secret_dialog.open()

    def forget_secret(self) -> None:
        self.secret.value = ""
        self.secret_dialog.close()
