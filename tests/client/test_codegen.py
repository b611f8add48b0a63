"""The typed client is generated from codegen/ and must never drift from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mission_control.client.codegen import GENERATED_PATH, CodegenError, generate, generate_from

ROOT = Path(__file__).parents[2]


def test_generated_client_matches_the_schema_and_operations() -> None:
    expected = generate_from(ROOT / "codegen")
    assert GENERATED_PATH.read_text() == expected, "stale: run `mission-control codegen`"


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
