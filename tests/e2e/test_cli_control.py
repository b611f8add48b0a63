"""The installed CLI for operator control: agents, approvals, global pause, on the real server."""

from __future__ import annotations

from tests.support.cli import mc, mc_json
from tests.support.server import ServerProcess


def add_task(server: ServerProcess, title: str, tag: str = "python") -> int:
    created = mc_json(server, "task", "add", title, "-d", "details", "-p", "3", "-t", tag)
    return int(created["id"])


def test_operator_pauses_an_agent_which_then_gets_nothing_until_resumed(
    server: ServerProcess,
) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task_id = add_task(server, "Port the parser")

    assert mc_json(server, "agent", "pause", "dev")["paused"] is True
    assert mc_json(server, "task", "next", token=token)["outcome"] == "NOTHING"
    assert "yes" in mc(server, "agent", "list").stdout
    mc(server, "agent", "resume", "dev")
    claim = mc_json(server, "task", "next", token=token)

    assert claim["outcome"] == "CLAIMED" and claim["task"]["id"] == task_id
    [agent] = mc_json(server, "agent", "list")
    assert agent["currentTask"]["id"] == task_id and agent["paused"] is False


def test_global_pause_and_resume_from_the_cli(server: ServerProcess) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    add_task(server, "Port the parser")

    assert mc_json(server, "pause") == {"paused": True, "mode": "AUTO"}
    assert mc_json(server, "task", "next", token=token)["outcome"] == "NOTHING"
    assert "running" in mc(server, "resume").stdout
    assert mc_json(server, "task", "next", token=token)["outcome"] == "CLAIMED"


def test_operator_lists_and_decides_approvals_in_manual_mode(manual_server: ServerProcess) -> None:
    server = manual_server
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    first = add_task(server, "First")
    claim = mc_json(server, "task", "next", token=token)
    assert claim["outcome"] == "AWAITING_APPROVAL" and claim["task"]["id"] == first

    [pending] = mc_json(server, "approvals")
    assert (pending["taskId"], pending["agent"], pending["status"]) == (first, "dev", "PENDING")
    assert "First" in mc(server, "approvals").stdout
    granted = mc_json(server, "approvals", "approve", str(pending["id"]))

    assert granted["status"] == "GRANTED"
    shown = mc_json(server, "task", "show", str(first))["task"]
    assert (shown["status"], shown["assignee"]) == ("IN_PROGRESS", "dev")
    assert mc_json(server, "approvals") == []
    again = mc(server, "approvals", "approve", str(pending["id"]), expect=1)
    assert "Refused:" in again.stderr


def test_a_declined_pickup_puts_the_task_back(manual_server: ServerProcess) -> None:
    server = manual_server
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task_id = add_task(server, "Risky")
    mc(server, "task", "next", token=token)
    [pending] = mc_json(server, "approvals")

    declined = mc(server, "approvals", "decline", str(pending["id"]), "--reason", "not now")

    assert "DECLINED" in declined.stdout
    assert mc_json(server, "task", "show", str(task_id))["task"]["status"] == "READY"


def test_operator_cancels_an_agents_work_from_the_cli(server: ServerProcess) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task_id = add_task(server, "Long job")
    mc(server, "task", "next", token=token)

    released = mc_json(server, "agent", "cancel", "dev", "--reason", "wrong approach")

    assert (released["id"], released["status"]) == (task_id, "READY")


def test_a_runner_with_a_wrong_token_stops_with_the_refusal(server: ServerProcess) -> None:
    done = mc(server, "agent", "run", "--name", "dev", "--command", "true", token="bad", expect=1)
    assert "Refused:" in done.stderr
