"""The CLI does what the board does: edit, move, release, dependencies, tokens, a filtered watch;
`--json` wherever it is typed; refusals that name the real problem and change nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.cli import mc, mc_json
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess


def add_task(server: ServerProcess, title: str = "Write docs", *tags: str) -> Any:
    extra = ["-t", ",".join(tags)] if tags else []
    return mc_json(server, "task", "add", title, "-d", "the CLI", "-p", "3", *extra)


def board(server: ServerProcess) -> Any:
    """Every task with its history: what a refused command must leave as it was."""
    tasks = mc_json(server, "task", "list")
    return [mc_json(server, "task", "show", str(task["id"])) for task in tasks]


def shown(server: ServerProcess, task_id: int) -> Any:
    return mc_json(server, "task", "show", str(task_id))["task"]


def test_json_works_after_the_subcommand_as_well_as_before(server: ServerProcess) -> None:
    task = add_task(server)

    after = json.loads(mc(server, "task", "list", "--json").stdout)
    before = json.loads(mc(server, "--json", "task", "list").stdout)
    one = json.loads(mc(server, "task", "show", str(task["id"]), "--json").stdout)

    assert after == before and [t["id"] for t in after] == [task["id"]]
    assert one["task"]["title"] == "Write docs"


def test_operator_edits_title_description_priority_and_tags(server: ServerProcess) -> None:
    task = add_task(server, "Write docs", "docs")

    edited = mc_json(
        server, "task", "edit", str(task["id"]), "--title", "Write the guide",
        "-d", "for new users", "-p", "1", "--tags", "docs,howto",
    )  # fmt: skip
    line = mc(server, "task", "edit", str(task["id"]), "--tags", "").stdout

    assert edited["title"] == "Write the guide" and edited["priority"] == 1
    assert edited["description"] == "for new users" and edited["tags"] == ["docs", "howto"]
    assert f"Task #{task['id']} edited" in line and "Write the guide" in line
    assert shown(server, task["id"])["tags"] == []


def test_an_edit_with_nothing_to_change_or_a_stale_version_changes_nothing(
    server: ServerProcess,
) -> None:
    task = add_task(server)
    before = board(server)

    empty = mc(server, "task", "edit", str(task["id"]), expect=2)
    stale = mc(
        server,
        "task",
        "edit",
        str(task["id"]),
        "--title",
        "x",
        "--expected-version",
        "99",
        expect=1,
    )
    blank = mc(server, "task", "edit", str(task["id"]), "--title", "   ", expect=1)

    assert "Nothing to change" in empty.stderr and "--title" in empty.stderr
    assert "Refused:" in stale.stderr and "CONFLICT" in stale.stderr
    assert "Refused:" in blank.stderr and "VALIDATION" in blank.stderr
    assert board(server) == before


def test_move_goes_through_the_board_s_moves_and_release_gives_the_task_back(
    server: ServerProcess,
) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task = add_task(server, "Fix the bug", "python")

    blocked = mc(server, "task", "move", str(task["id"]), "blocked", "--reason", "keys").stdout
    unblocked = mc_json(server, "task", "move", str(task["id"]), "ready")
    mc(server, "task", "claim", str(task["id"]), token=token)
    released = mc_json(server, "task", "release", str(task["id"]), "--reason", "too big")

    assert f"Task #{task['id']} moved: BLOCKED" in blocked
    assert unblocked["status"] == "READY"
    assert released["status"] == "READY" and released["assignee"] is None
    history = mc_json(server, "task", "show", str(task["id"]))["taskHistory"]
    kinds = [event["kind"] for event in history]
    assert kinds[-4:] == ["BLOCKED", "UNBLOCKED", "CLAIMED", "RELEASED"]


def test_a_refused_move_names_the_real_problem_and_changes_nothing(server: ServerProcess) -> None:
    task = add_task(server)
    number = f"Task #{task['id']}"
    before = board(server)

    unblock = mc(server, "task", "unblock", str(task["id"]), expect=1).stderr
    same = mc(server, "task", "move", str(task["id"]), "ready", expect=1).stderr
    release = mc(server, "task", "release", str(task["id"]), expect=1).stderr
    approve = mc(server, "task", "approve", str(task["id"]), expect=1).stderr
    illegal = mc(server, "task", "move", str(task["id"]), "done", expect=1).stderr
    bad_status = mc(server, "task", "move", str(task["id"]), "sideways", expect=2).stderr

    assert f"{number} is not blocked (it is ready)" in unblock
    assert f"{number} is already ready." in same
    assert f"{number} is not in progress (it is ready)" in release
    assert f"{number} is not in review (it is ready)" in approve
    assert "cannot move from ready to done" in illegal and "in_progress" in illegal
    assert all("ready to ready" not in text for text in (unblock, same, release, approve))
    assert "sideways" in bad_status
    assert board(server) == before


def test_dependencies_are_added_listed_and_removed(server: ServerProcess) -> None:
    first = add_task(server, "Design")
    second = add_task(server, "Build")
    waiter, blocker = str(second["id"]), str(first["id"])

    added = mc_json(server, "task", "deps", "add", waiter, blocker)
    listed = mc_json(server, "task", "deps", "list", waiter)
    table = mc(server, "task", "deps", "list", waiter).stdout
    removed = mc(server, "task", "deps", "remove", waiter, blocker).stdout

    assert added == {"taskId": second["id"], "dependsOn": [first["id"]]}
    assert [(t["id"], t["title"]) for t in listed["dependsOn"]] == [(first["id"], "Design")]
    assert "Design" in table and "1 not done yet" in table
    assert f"Task #{waiter} no longer waits for #{blocker}; it waits for nothing." in removed
    assert mc_json(server, "task", "deps", "list", waiter)["dependsOn"] == []


def test_a_dependency_cycle_or_a_missing_task_is_refused_and_changes_nothing(
    server: ServerProcess,
) -> None:
    first, second = add_task(server, "Design"), add_task(server, "Build")
    mc(server, "task", "deps", "add", str(second["id"]), str(first["id"]))
    before = board(server)

    cycle = mc(server, "task", "deps", "add", str(first["id"]), str(second["id"]), expect=1)
    missing = mc(server, "task", "deps", "add", str(first["id"]), "999", expect=1)

    assert "Refused:" in cycle.stderr and "cycle" in cycle.stderr.lower()
    assert "Refused:" in missing.stderr and "NOT_FOUND" in missing.stderr
    assert board(server) == before


def test_comments_are_added_by_operator_and_agent_and_listed(server: ServerProcess) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    task = add_task(server, "Fix the bug", "python")
    mc(server, "task", "claim", str(task["id"]), token=token)

    said = mc(server, "task", "comment", str(task["id"]), "Mind the tabs → spaces").stdout
    answered = mc_json(server, "task", "comment", str(task["id"]), "Will do", token=token)
    listed = mc_json(server, "task", "comments", str(task["id"]))
    table = mc(server, "task", "comments", str(task["id"])).stdout

    assert f"on task #{task['id']} by operator" in said
    assert answered["author"] == "agent:dev"
    assert [(c["author"], c["body"]) for c in listed] == [
        ("operator", "Mind the tabs → spaces"),
        ("agent:dev", "Will do"),
    ]
    assert "Mind the tabs → spaces" in table
    history = mc_json(server, "task", "show", str(task["id"]))["taskHistory"]
    assert [e["kind"] for e in history].count("COMMENTED") == 2


def test_an_empty_comment_is_refused_and_changes_nothing(server: ServerProcess) -> None:
    task = add_task(server)
    before = board(server)

    refused = mc(server, "task", "comment", str(task["id"]), "   ", expect=1)

    assert "Refused:" in refused.stderr and "VALIDATION" in refused.stderr
    assert mc_json(server, "task", "comments", str(task["id"])) == []
    assert board(server) == before


def test_a_closed_task_is_reopened_and_an_open_one_is_refused(server: ServerProcess) -> None:
    task = add_task(server)
    number = f"Task #{task['id']}"
    before = board(server)
    refused = mc(server, "task", "reopen", str(task["id"]), expect=1).stderr
    assert board(server) == before
    mc(server, "task", "cancel", str(task["id"]), "--reason", "mistake")

    reopened = mc_json(server, "task", "reopen", str(task["id"]), "--reason", "needed after all")
    twice = mc(server, "task", "cancel", str(task["id"])).stdout

    assert f"{number} is ready" in refused and "only a closed task" in refused
    assert reopened["status"] == "READY"
    assert f"{number} cancelled: CANCELLED" in twice
    again = mc(server, "task", "cancel", str(task["id"]), expect=1).stderr
    assert f"{number} is already cancelled." in again


def test_tokens_are_issued_listed_rotated_and_revoked(server: ServerProcess) -> None:
    issued = mc_json(server, "token", "issue", "klein", "--role", "viewer")
    listed = mc(server, "token", "list").stdout
    rotated = mc_json(server, "token", "rotate", str(issued["info"]["id"]))
    mc(server, "token", "revoke", str(rotated["info"]["id"]))

    assert "klein" in listed and "viewer" in listed
    for old in (issued["token"], rotated["token"]):
        refused = mc(server, "task", "list", token=old, expect=1)
        assert "Refused:" in refused.stderr and "UNAUTHENTICATED" in refused.stderr
    gone = mc(server, "token", "revoke", "999", expect=1)
    assert "Refused:" in gone.stderr and "NOT_FOUND" in gone.stderr


def test_agent_import_of_a_missing_or_bad_file_is_one_line(
    server: ServerProcess, tmp_path: Path
) -> None:
    bad = tmp_path / "agents.json"
    bad.write_text("{not json")

    missing = mc(server, "agent", "import", str(tmp_path / "nope.json"), expect=2).stderr
    broken = mc(server, "agent", "import", str(bad), expect=2).stderr

    assert "Cannot read" in missing and "nope.json" in missing
    assert "Not an agent list" in broken
    assert all(len(text.strip().splitlines()) == 1 for text in (missing, broken))
    assert mc_json(server, "agent", "list") == []


def test_watch_hides_heartbeats_unless_asked_and_filters_by_kind(server: ServerProcess) -> None:
    token = mc_json(server, "agent", "add", "dev", "--skills", "python")["token"]
    mc(server, "next", "--agent", "dev", token=token)  # a heartbeat, nothing to claim
    task = add_task(server, "Fix the bug", "python")

    def kinds(*args: str) -> list[str]:
        lines = mc(server, "watch", "--since", "0", *args, "--json").stdout.splitlines()
        return [json.loads(line)["kind"] for line in lines]

    assert "HEARTBEAT" in kinds("--heartbeats", "--count", "2")
    assert kinds("--count", "3") == ["AGENT_REGISTERED", "CREATED", "TRIAGED"]
    assert kinds("--kind", "triaged", "--kind", "created", "--count", "2") == [
        "CREATED",
        "TRIAGED",
    ]
    assert kinds("--kind", "HEARTBEAT", "--count", "1") == ["HEARTBEAT"]
    mc(server, "task", "block", str(task["id"]), "--reason", "keys → vault")
    line = mc(server, "watch", "--since", "0", "--kind", "blocked", "--count", "1").stdout
    assert "READY→BLOCKED" in line and "keys → vault" in line and "\\u2192" not in line
    assert len(line.strip().splitlines()) == 1


def test_without_a_token_the_cli_says_how_to_give_one(server: ServerProcess) -> None:
    done = subprocess.run(
        [MISSION_CONTROL, "--server", server.url, "task", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(),
    )

    assert done.returncode == 2
    assert "--token" in done.stderr and "MC_TOKEN" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_webhook_register_replay_and_remove_are_events_on_the_stream(server: ServerProcess) -> None:
    added = mc_json(server, "webhook", "add", "http://127.0.0.1:9/hooks/s3cr3t", "-k", "approved")
    hook = str(added["webhook"]["id"])
    mc(server, "webhook", "replay", hook)
    mc(server, "webhook", "remove", hook)

    lines = mc(
        server, "watch", "--since", "0", "--json", "--count", "3",
        "--kind", "webhook_registered", "--kind", "webhook_replayed", "--kind", "webhook_removed",
    ).stdout.splitlines()  # fmt: skip

    events = [json.loads(line) for line in lines]
    assert [e["kind"] for e in events] == [
        "WEBHOOK_REGISTERED",
        "WEBHOOK_REPLAYED",
        "WEBHOOK_REMOVED",
    ]
    assert all(e["payload"]["endpoint"] == "http://127.0.0.1:9" for e in events)
    assert "s3cr3t" not in json.dumps(events) and added["secret"] not in json.dumps(events)
    assert events[0]["actor"] == "operator" and events[0]["payload"]["kinds"] == ["approved"]
