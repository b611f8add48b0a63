"""The installed `mission-control` command, run as a person or a script would."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from mission_control.cli import app
from tests.support.cli import mc, mc_json
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess


def test_operator_adds_a_task_and_finds_it_in_the_list_and_in_show(server: ServerProcess) -> None:
    created = mc_json(server, "task", "add", "Write docs", "-d", "the CLI", "-p", "2", "-t", "docs")
    assert created["status"] == "READY" and created["tags"] == ["docs"]

    listed = mc_json(server, "task", "list", "--status", "ready")
    assert [(t["id"], t["title"]) for t in listed] == [(created["id"], "Write docs")]
    table = mc(server, "task", "list").stdout
    assert "Write docs" in table and "1 of 1 task(s)" in table
    shown = mc(server, "task", "show", str(created["id"])).stdout
    assert "the CLI" in shown and "CREATED" in shown and "TRIAGED" in shown


def test_agent_claims_reports_and_submits_and_the_operator_approves(server: ServerProcess) -> None:
    registered = mc_json(server, "agent", "add", "dev", "--skills", "python,docs")
    token = registered["token"]
    assert sorted(registered["agent"]["skills"]) == ["docs", "python"]
    task = mc_json(
        server, "task", "add", "Fix the bug", "-d", "it crashes", "-p", "3", "-t", "python"
    )

    claim = mc_json(server, "task", "next", token=token)
    assert claim["outcome"] == "CLAIMED" and claim["task"]["id"] == task["id"]
    assert mc_json(server, "task", "progress", str(task["id"]), "40", token=token)["progress"] == 40
    submitted = mc(server, "task", "submit", str(task["id"]), "--result", "fixed", token=token)
    assert f"Task #{task['id']} submitted: REVIEW" in submitted.stdout
    mc(server, "task", "approve", str(task["id"]))

    assert mc_json(server, "task", "show", str(task["id"]))["task"]["status"] == "DONE"


def test_an_agent_cannot_approve_and_the_task_stays_in_review(server: ServerProcess) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task = mc_json(
        server, "task", "add", "Fix the bug", "-d", "it crashes", "-p", "3", "-t", "python"
    )
    mc(server, "task", "next", token=token)
    mc(server, "task", "submit", str(task["id"]), token=token)

    refused = mc(server, "task", "approve", str(task["id"]), token=token, expect=1)

    assert "Refused:" in refused.stderr and "FORBIDDEN" in refused.stderr
    assert mc_json(server, "task", "show", str(task["id"]))["task"]["status"] == "REVIEW"


def test_bad_input_is_refused_with_its_code_and_nothing_is_created(server: ServerProcess) -> None:
    refused = mc(server, "task", "add", "   ", expect=1)

    assert "Refused:" in refused.stderr and "(" in refused.stderr
    assert mc_json(server, "task", "list") == []


def test_a_wrong_token_is_refused_with_exit_1(server: ServerProcess) -> None:
    refused = mc(server, "task", "list", token="mco_not_a_token", expect=1)
    assert "Refused:" in refused.stderr


def test_an_unreachable_server_is_a_connection_error_with_exit_2(server: ServerProcess) -> None:
    dead = ServerProcess(workdir=server.workdir, database_url=server.database_url)
    failed = mc(dead, "task", "list", expect=2)
    assert "Cannot reach the server" in failed.stderr


def test_watch_replays_from_since_then_stops_after_count(server: ServerProcess) -> None:
    task = mc_json(server, "task", "add", "Watch me", "-d", "closely", "-p", "3")

    lines = mc(server, "--json", "watch", "--since", "0", "--count", "2").stdout.splitlines()

    events = [json.loads(line) for line in lines]
    assert [(e["kind"], e["taskId"]) for e in events] == [
        ("CREATED", task["id"]),
        ("TRIAGED", task["id"]),
    ]
    coloured = mc(server, "watch", "--since", "0", "--count", "1").stdout
    assert "CREATED" in coloured and f"task #{task['id']}" in coloured


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["task"],
        *[["task", name] for name in ("add", "list", "show", "next", "claim", "progress")],
        *[["task", name] for name in ("submit", "block", "unblock", "approve", "reject")],
        ["task", "assign"],
        ["task", "cancel"],
        *[["task", name] for name in ("edit", "move", "release", "reopen", "comment", "comments")],
        *[["task", "deps", name] for name in ("add", "remove", "list")],
        ["agent"],
        ["agent", "add"],
        ["agent", "run"],
        ["watch"],
        ["codegen"],
    ],
)
def test_every_command_explains_itself_with_help(command: list[str]) -> None:
    done = CliRunner().invoke(app, [*command, "--help"])  # in-process: 20 starts cost too much
    assert done.exit_code == 0 and "Usage:" in done.output


def test_watch_resumes_after_a_server_restart_without_losing_events(server: ServerProcess) -> None:
    first = mc_json(server, "task", "add", "Before", "-d", "restart", "-p", "3")
    auth = ["--server", server.url, "--token", server.operator_token]
    watcher = subprocess.Popen(
        [MISSION_CONTROL, *auth, "--json", "watch", "--since", "0", "--count", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(),
    )
    try:
        assert watcher.stdout is not None
        before = [json.loads(watcher.stdout.readline()) for _ in range(2)]
        server.stop()
        server.start()  # same port and database; the watcher is still backing off
        second = mc_json(server, "task", "add", "After", "-d", "restart", "-p", "3")
        remaining, errors = watcher.communicate(timeout=60)
    finally:
        watcher.kill()

    after = [json.loads(line) for line in remaining.splitlines()]
    assert [(e["kind"], e["taskId"]) for e in before + after] == [
        ("CREATED", first["id"]),
        ("TRIAGED", first["id"]),
        ("CREATED", second["id"]),
        ("TRIAGED", second["id"]),
    ]
    assert "stream lost" in errors and watcher.returncode == 0
