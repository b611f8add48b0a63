"""The task as the runner's command sees it: MC_TASK_* variables, comments included."""

from __future__ import annotations

import json

from mission_control.client.work import task_environment


def test_the_command_gets_the_comments_as_lines_and_in_the_json() -> None:
    task = {
        "id": 7,
        "title": "Write the report",
        "feedback": None,
        "comments": [
            {"author": "operator", "body": "Use last week's numbers", "createdAt": "2026-01-01"},
            {"author": "agent:dev", "body": "Will do", "createdAt": "2026-01-01"},
        ],
    }

    env = task_environment(task)

    assert env["MC_TASK_COMMENTS"] == "operator: Use last week's numbers\nagent:dev: Will do"
    assert json.loads(env["MC_TASK_JSON"])["comments"][1]["body"] == "Will do"


def test_a_task_without_comments_has_an_empty_variable() -> None:
    assert task_environment({"id": 1, "title": "x"})["MC_TASK_COMMENTS"] == ""
