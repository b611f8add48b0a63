"""The agent activity page: live state, heartbeat, output terminal, usage, actions that never lose
a click, approvals, the autonomy switch, and the operator's tokens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from nicegui import ElementFilter, ui
from nicegui.testing import User

from mission_control.domain.actors import OPERATOR, Role, agent_actor
from mission_control.domain.agents import ApprovalStatus, ClaimOutcome
from mission_control.domain.control import AutonomyMode
from mission_control.domain.errors import Unauthenticated
from mission_control.domain.events import EventKind
from mission_control.domain.workflow import TaskStatus
from mission_control.models import Event
from mission_control.runtime import Runtime
from mission_control.services import agents, approvals, claims, control, moves, tasks, tokens
from mission_control.services.auth import authenticate, issue_token
from mission_control.services.output import report_output
from mission_control.store import queries
from mission_control.ui.agent_cards import Terminal
from tests.support.server import OPERATOR_TOKEN
from tests.ui.test_board import WAIT, add_task

pytestmark = pytest.mark.nicegui_main_file("tests/ui/main.py")


async def card_shows(user: User, name: str, *texts: str) -> None:
    """Wait until the agent's card shows every text."""
    for _ in range(WAIT):
        try:
            with user.scope(marker=f"agent-{name}"):
                for text in texts:
                    await user.should_see(text, retries=1)
            return
        except AssertionError:
            await asyncio.sleep(0.1)
    with user.scope(marker=f"agent-{name}"):
        for text in texts:
            await user.should_see(text, retries=1)


async def open_agents(user: User, token: str = OPERATOR_TOKEN) -> None:
    await user.open(f"/login?token={token}")
    await user.open("/agents")
    await user.should_see(marker="autonomy-switch")


async def working_agent(runtime: Runtime, name: str = "dev") -> int:
    """An agent holding a task at 40%; returns the task id."""
    task = await add_task(runtime, f"Job for {name}")
    await agents.register_agent(runtime.ctx, OPERATOR, name)
    actor = agent_actor(name)
    await claims.claim_task(runtime.ctx, actor, task.id)
    await claims.report_progress(runtime.ctx, actor, task.id, 40)
    await agents.heartbeat(runtime.ctx, actor)
    return task.id


def one(user: User, marker: str) -> ui.element:
    (element,) = user.find(marker=marker).elements
    return element


def terminal_of(user: User, name: str) -> Terminal:
    """The agent's terminal, shown or hidden."""
    assert user.client is not None
    with user.client:
        (terminal,) = ElementFilter(kind=Terminal, marker=f"output-{name}", local_scope=False)
    return terminal


def terminal_lines(user: User, name: str) -> list[str]:
    return [child.text for child in terminal_of(user, name).default_slot.children]  # type: ignore[attr-defined]


async def until(check: object, what: str) -> None:
    """Poll a condition (a callable returning bool, maybe async) for up to 5 s."""
    for _ in range(50):
        result = check()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def test_agent_card_shows_state_icon_task_heartbeat_and_progress(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    await agents.register_agent(board_runtime.ctx, OPERATOR, "idler")
    await agents.heartbeat(board_runtime.ctx, agent_actor("idler"))
    await open_agents(user)
    await card_shows(user, "dev", "working", f"#{task_id} Job for dev", "40%", "heartbeat")
    await card_shows(user, "idler", "idle", "no task")
    assert one(user, "doing-dev").props["href"] == f"/task/{task_id}"
    assert one(user, "heartbeat-dev").text.startswith("heartbeat ")  # type: ignore[attr-defined]
    assert one(user, "heartbeat-dev").text.endswith("s ago")  # type: ignore[attr-defined]
    await user.should_see(marker="elapsed-dev")
    await user.should_see(kind=ui.linear_progress)
    card = one(user, "agent-dev")
    icons = [e.props.get("name") for e in card.descendants() if isinstance(e, ui.icon)]
    assert "play_circle" in icons, icons  # a Material icon, not an emoji a font may lack
    texts = [getattr(e, "text", "") for e in card.descendants()]
    assert not [t for t in texts if any(ord(c) > 0x2600 for c in t)], texts


async def test_the_card_is_updated_in_place_when_the_agent_finishes(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    await open_agents(user)
    await card_shows(user, "dev", "working")
    card, cancel = one(user, "agent-dev"), one(user, "cancel-dev")
    await moves.submit_for_review(board_runtime.ctx, agent_actor("dev"), task_id, "done")
    await agents.heartbeat(board_runtime.ctx, agent_actor("dev"))
    await card_shows(user, "dev", "idle", "no task")
    assert one(user, "agent-dev") is card and not card.is_deleted
    assert not cancel.is_deleted and not cancel.visible


async def test_pause_and_resume_an_agent_with_one_button(
    user: User, board_runtime: Runtime
) -> None:
    await working_agent(board_runtime)
    await open_agents(user)
    button = one(user, "pause-dev")
    user.find("Pause").click()
    await card_shows(user, "dev", "paused: gets no new tasks", "Resume")
    assert (await agents.get_agent("dev", board_runtime.ctx)).paused
    user.find("Resume").click()
    await user.should_not_see("paused: gets no new tasks", retries=WAIT)
    assert not (await agents.get_agent("dev", board_runtime.ctx)).paused
    assert one(user, "pause-dev") is button


async def test_cancel_puts_the_agents_task_back_in_ready(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    await open_agents(user)
    user.find(marker="cancel-dev").click()
    await card_shows(user, "dev", "no task")
    task = await queries.get_task(task_id)
    assert (task.status, task.assignee) == (TaskStatus.READY, None)


async def test_reassign_moves_the_task_to_another_agent(user: User, board_runtime: Runtime) -> None:
    task_id = await working_agent(board_runtime)
    await agents.register_agent(board_runtime.ctx, OPERATOR, "helper")
    await open_agents(user)
    await user.should_see(marker="reassign-dev", retries=WAIT)
    user.find(marker="reassign-dev").click()
    user.find(marker="reassign-to").type("nobody")
    user.find(marker="reassign-confirm").click()
    await user.should_see("nobody", retries=WAIT)
    assert (await queries.get_task(task_id)).status is TaskStatus.IN_PROGRESS
    user.find(marker="reassign-dev").click()
    user.find(marker="reassign-to").clear().type("helper")
    user.find(marker="reassign-confirm").click()
    await card_shows(user, "dev", "no task")
    task = await queries.get_task(task_id)
    assert task.status is TaskStatus.READY
    assert task.assignee == "helper"


async def test_the_autonomy_switch_reads_as_its_state_and_follows_other_clients(
    user: User, board_runtime: Runtime
) -> None:
    await open_agents(user)
    switch = one(user, "autonomy-switch")
    assert isinstance(switch, ui.switch)
    assert (switch.value, switch.text) == (True, "Autonomy on: agents pick up work")

    user.find(marker="autonomy-switch").click()
    await until(lambda: switch.text == "Autonomy paused: no agent picks up work", "paused label")
    assert switch.value is False
    assert (await control.get_autonomy(board_runtime.ctx)).paused

    await control.set_autonomy(board_runtime.ctx, OPERATOR, paused=False)  # another client
    await until(lambda: switch.text == "Autonomy on: agents pick up work", "label follows")
    assert switch.value is True
    await control.set_autonomy(board_runtime.ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    mode = one(user, "autonomy-mode")
    await until(lambda: mode.value == AutonomyMode.MANUAL, "mode follows")  # type: ignore[attr-defined]
    changes = await Event.filter(kind=str(EventKind.AUTONOMY_CHANGED)).count()
    assert changes == 3, "showing another client's change wrote nothing back"


async def manual_pickups(runtime: Runtime, count: int) -> list[int]:
    """`count` agents each asking to pick up a task in manual mode; the approval ids."""
    await control.set_autonomy(runtime.ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    for n in range(count):
        await add_task(runtime, f"Wanted {n}", priority=1 + n % 5)
    ids = []
    for n in range(count):
        await agents.register_agent(runtime.ctx, OPERATOR, f"agent{n}")
        claim = await claims.claim_next(runtime.ctx, agent_actor(f"agent{n}"))
        assert claim.outcome is ClaimOutcome.AWAITING_APPROVAL and claim.approval_id is not None
        ids.append(claim.approval_id)
    return ids


async def test_operator_grants_and_declines_pickups_in_manual_mode(
    user: User, board_runtime: Runtime
) -> None:
    await control.set_autonomy(board_runtime.ctx, OPERATOR, mode=AutonomyMode.MANUAL)
    first = await add_task(board_runtime, "Wanted first", priority=1)
    await tasks.update_task(board_runtime.ctx, OPERATOR, first.id, tasks.TaskEdit(tags=["rust"]))
    await add_task(board_runtime, "Wanted second", priority=2)
    for name in ("alpha", "beta"):
        await agents.register_agent(board_runtime.ctx, OPERATOR, name, ["rust"])
    asked = [await claims.claim_next(board_runtime.ctx, agent_actor(n)) for n in ("alpha", "beta")]
    assert [claim.outcome for claim in asked] == [ClaimOutcome.AWAITING_APPROVAL] * 2
    grant, decline = (claim.approval_id for claim in asked)
    assert grant is not None and decline is not None
    await open_agents(user)
    await user.should_see(marker=f"approval-{grant}")
    link = one(user, f"approval-task-{grant}")
    assert link.props["href"] == f"/task/{first.id}"
    with user.scope(marker=f"approval-{grant}"):
        await user.should_see("P1")
        await user.should_see("rust")
        await user.should_see("alpha")
    user.find(marker=f"approve-{grant}").click()
    await user.should_not_see(marker=f"approval-{grant}", retries=WAIT)
    user.find(marker=f"decline-{decline}").click()
    await user.should_not_see(marker=f"approval-{decline}", retries=WAIT)
    assert await approvals.list_approvals() == []
    statuses = {a.id: a.status for a in await approvals.list_approvals(None)}
    assert statuses == {grant: ApprovalStatus.GRANTED, decline: ApprovalStatus.DECLINED}
    task = await queries.get_task(first.id)
    assert task.status is TaskStatus.IN_PROGRESS


@contextlib.asynccontextmanager
async def events_at(runtime: Runtime, per_second: float) -> AsyncIterator[list[int]]:
    """Heartbeats of a busy agent at `per_second` while the block runs; yields their count."""
    await agents.register_agent(runtime.ctx, OPERATOR, "busy")
    sent: list[int] = [0]

    async def beat() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            await agents.heartbeat(runtime.ctx, agent_actor("busy"))
            sent[0] += 1
            await asyncio.sleep(max(0.0, start + sent[0] / per_second - loop.time()))

    flood = asyncio.create_task(beat())
    try:
        yield sent
    finally:
        flood.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flood


async def test_approve_clicks_are_never_lost_while_events_arrive_at_20_per_second(
    user: User, board_runtime: Runtime
) -> None:
    ids = await manual_pickups(board_runtime, 5)
    await open_agents(user)
    for approval_id in ids:
        await user.should_see(marker=f"approve-{approval_id}")
    async with events_at(board_runtime, 20) as sent:
        await until(lambda: sent[0] >= 20, "the flood is on")
        for approval_id in ids:
            button = one(user, f"approve-{approval_id}")
            more = sent[0] + 5
            await until(lambda: sent[0] >= more, "more Events while the button is shown")  # noqa: B023
            assert not button.is_deleted, "the row was rebuilt under the operator's pointer"
            user.find(marker=f"approve-{approval_id}").click()
        decided: dict[int, ApprovalStatus] = {}
        for _ in range(50):
            decided = {a.id: a.status for a in await approvals.list_approvals(None)}
            if all(decided[i] is ApprovalStatus.GRANTED for i in ids):
                break
            await asyncio.sleep(0.1)
        assert sent[0] >= 40
    assert all(decided[i] is ApprovalStatus.GRANTED for i in ids), decided
    for approval_id in ids:
        await user.should_not_see(marker=f"approval-{approval_id}", retries=WAIT)


async def test_the_terminal_shows_the_commands_output_live_and_bounded(
    user: User, board_runtime: Runtime
) -> None:
    task_id = await working_agent(board_runtime)
    dev = agent_actor("dev")
    await open_agents(user)
    await report_output(board_runtime.ctx, dev, task_id, "compiling\nlinking")
    await until(lambda: terminal_lines(user, "dev") == ["compiling", "linking"], "first lines")
    await card_shows(user, "dev", f"output of #{task_id}")
    first = terminal_of(user, "dev").default_slot.children[0]

    await report_output(board_runtime.ctx, dev, task_id, "tests: 12 passed")
    await until(lambda: terminal_lines(user, "dev")[-1] == "tests: 12 passed", "appended")
    assert terminal_of(user, "dev").default_slot.children[0] is first, "appended, not redrawn"

    for start in range(0, 500, 100):
        lines = "\n".join(f"line {n}" for n in range(start, start + 100))
        await report_output(board_runtime.ctx, dev, task_id, lines)
    await until(lambda: terminal_lines(user, "dev")[-1] == "line 499", "a burst")
    assert terminal_lines(user, "dev") == [f"line {n}" for n in range(300, 500)]

    await moves.submit_for_review(board_runtime.ctx, dev, task_id, "done")
    nxt = await add_task(board_runtime, "Next job")
    await claims.claim_task(board_runtime.ctx, dev, nxt.id)
    terminal = terminal_of(user, "dev")
    await until(lambda: not terminal.visible, "a new task starts a clean screen")
    assert terminal_lines(user, "dev") == []
    await user.should_see(marker="quiet-dev")


async def test_usage_today_is_shown_against_the_budget(user: User, board_runtime: Runtime) -> None:
    from mission_control.domain.usage import clean_usage
    from mission_control.services.budgets import set_agent_budget
    from mission_control.services.usage_reports import report_usage

    task_id = await working_agent(board_runtime)
    await set_agent_budget(board_runtime.ctx, OPERATOR, "dev", tokens=5000, cost_usd=1.0)
    await report_usage(board_runtime.ctx, agent_actor("dev"), task_id, clean_usage(1200, 0.25, "m"))
    await open_agents(user)
    await card_shows(user, "dev", "today: 1,200 / 5,000 tokens · $0.25 / $1.00 · 1 report")
    bars = [e for e in one(user, "agent-dev").descendants() if isinstance(e, ui.linear_progress)]
    assert 0.25 in [bar.value for bar in bars]


async def test_viewer_sees_agents_without_actions_or_tokens(
    user: User, board_runtime: Runtime
) -> None:
    await working_agent(board_runtime)
    token = await issue_token(board_runtime.ctx, Role.VIEWER, "watcher")
    await open_agents(user, token)
    await user.should_see(marker="agent-dev")
    await user.should_not_see("Pause")
    await user.should_not_see(marker="cancel-dev")
    await user.should_not_see(marker="tokens")
    assert not one(user, "autonomy-switch").enabled  # type: ignore[attr-defined]


async def test_elapsed_time_ticks_without_a_reload(user: User, board_runtime: Runtime) -> None:
    await working_agent(board_runtime)
    await open_agents(user)
    await user.should_see(marker="elapsed-dev")
    label = one(user, "elapsed-dev")
    first = label.text  # type: ignore[attr-defined]
    await until(lambda: label.text != first, "the one-second timer")  # type: ignore[attr-defined]


async def test_operator_lists_issues_rotates_and_revokes_tokens(
    user: User, board_runtime: Runtime
) -> None:
    ctx = board_runtime.ctx
    await agents.register_agent(ctx, OPERATOR, "dev")
    await open_agents(user)
    listed = {info.id: info for info in await tokens.list_tokens(ctx, OPERATOR)}
    dev_token = next(i for i, info in listed.items() if info.name == "dev")
    for token_id in listed:
        await user.should_see(marker=f"token-{token_id}", retries=WAIT)
    with user.scope(marker=f"token-{dev_token}"):
        await user.should_see("dev (agent)")
        await user.should_see("never used")

    user.find(marker="issue-token").click()
    user.find(marker="token-name").type("klein")
    user.find(marker="token-issue-confirm").click()
    secret = one(user, "token-secret")
    await until(lambda: bool(secret.value), "the new secret is shown")  # type: ignore[attr-defined]
    issued: str = secret.value  # type: ignore[attr-defined]
    assert (await authenticate(ctx, issued)).label.endswith("klein")
    user.find(marker="token-secret-done").click()
    assert secret.value == "", "shown once: wiped when closed"  # type: ignore[attr-defined]
    klein = next(i for i in await tokens.list_tokens(ctx, OPERATOR) if i.name == "klein")
    await user.should_see(marker=f"token-{klein.id}", retries=WAIT)

    user.find(marker=f"rotate-{klein.id}").click()
    user.find(marker="token-confirm").click()
    await until(lambda: secret.value not in ("", issued), "the rotated secret")  # type: ignore[attr-defined]
    rotated: str = secret.value  # type: ignore[attr-defined]
    user.find(marker="token-secret-done").click()
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, issued)
    assert (await authenticate(ctx, rotated)).label.endswith("klein")
    await user.should_not_see(marker=f"token-{klein.id}", retries=WAIT)
    fresh = next(i for i in await tokens.list_tokens(ctx, OPERATOR) if i.name == "klein")
    await user.should_see(marker=f"token-{fresh.id}", retries=WAIT)

    user.find(marker=f"revoke-{fresh.id}").click()
    user.find(marker="token-confirm").click()
    await user.should_not_see(marker=f"token-{fresh.id}", retries=WAIT)
    with pytest.raises(Unauthenticated):
        await authenticate(ctx, rotated)
