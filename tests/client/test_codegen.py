"""The typed client is generated from codegen/ and must never drift from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mission_control.client.codegen import CodegenError, generate, generate_from, written

ROOT = Path(__file__).parents[2]


def test_generated_client_matches_the_schema_and_operations() -> None:
    expected = generate_from(ROOT / "codegen")
    on_disk = written()
    assert on_disk.keys() == expected.keys(), "stale files: run `mission-control codegen`"
    stale = [name for name in expected if on_disk[name] != expected[name]]
    assert not stale, f"stale: {stale}: run `mission-control codegen`"


def test_a_model_is_found_by_name_and_an_unknown_name_is_an_attribute_error() -> None:
    from mission_control.client.generated import operations
    from mission_control.client.generated.results.cli_task_brief import CliTaskBriefTask

    assert operations.CliTaskBriefTask is CliTaskBriefTask
    with pytest.raises(AttributeError, match="NoSuchModel"):
        _ = operations.NoSuchModel  # type: ignore[attr-defined]
    assert not hasattr(operations, "NoSuchModel")


def test_importing_the_cli_builds_no_result_model() -> None:
    """A CLI call imports the results module of the operation it sends when it sends it, not
    the 70-odd others' (their classes were a third of `task list`'s start-up)."""
    probe = (
        "import sys\n"
        "from mission_control.cli.main import app\n"
        "from mission_control.cli import dependencies, tasks, watch\n"
        "from mission_control.mcp_server import tools\n"
        "package = 'mission_control.client.generated.results.'\n"
        "print(sorted(m for m in sys.modules if m.startswith(package)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
    assert sum(name.startswith("results/") for name in generate_from(ROOT / "codegen")) > 50


def test_an_operation_asking_for_a_field_the_schema_lacks_is_refused() -> None:
    schema = (ROOT / "codegen" / "schema.graphql").read_text()
    with pytest.raises(CodegenError, match="noSuchField"):
        generate(schema, {"bad.graphql": "query Bad { me noSuchField }"})


def test_generated_models_read_camel_case_results_into_typed_fields() -> None:
    from mission_control.client.generated.operations import (
        ClaimOutcome,
        RunnerClaimNext,
        TaskStatus,
    )

    claim = RunnerClaimNext.model_validate(
        {
            "claimNextTask": {
                "outcome": "CLAIMED",
                "approvalId": None,
                "reason": None,
                "task": {
                    "id": 7,
                    "title": "t",
                    "description": "",
                    "priority": 2,
                    "tags": ["python"],
                    "status": "IN_PROGRESS",
                    "assignee": "dev",
                    "progress": 0,
                    "version": 3,
                    "feedback": None,
                    "attempts": 0,
                    "limits": {"maxAttempts": 3, "maxRunSeconds": None},
                    "comments": [
                        {"author": "operator", "body": "hi", "createdAt": "2026-11-25T10:00:00Z"}
                    ],
                },
            }
        }
    )
    assert claim.claim_next_task.outcome is ClaimOutcome.CLAIMED
    assert claim.claim_next_task.task is not None
    assert claim.claim_next_task.task.status is TaskStatus.IN_PROGRESS
    assert claim.claim_next_task.task.comments[0].created_at.year == 2026


def test_operation_names_are_unique_across_every_operation_file() -> None:
    from graphql import OperationDefinitionNode, parse

    names: list[str] = []
    for path in sorted((ROOT / "codegen" / "operations").glob("*.graphql")):
        document = parse(path.read_text())
        names += [
            d.name.value
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode) and d.name
        ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
