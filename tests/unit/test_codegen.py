"""codegen/ stays true to the code: the exported SDL matches, every operation file validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate

from mission_control.schema.schema import build_schema
from mission_control.settings import Settings

CODEGEN = Path(__file__).resolve().parents[2] / "codegen"
REGENERATE = "run `mission-control export-schema` and commit codegen/schema.graphql"
OPERATION_FILES = sorted(p for p in CODEGEN.rglob("*.graphql") if p.name != "schema.graphql")

CORE_OPERATIONS = {
    "tasks.graphql": {
        "CreateTask",
        "UpdateTask",
        "Task",
        "Tasks",
        "Board",
        "TaskHistory",
        "ClaimTask",
        "ClaimNextTask",
        "ReportProgress",
        "SubmitForReview",
        "ApproveTask",
        "RejectTask",
        "BlockTask",
        "UnblockTask",
        "CancelTask",
        "AssignTask",
        "ReleaseTask",
        "TransitionTask",
    },
    "events.graphql": {"Events"},
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(Settings())._schema


def test_exported_schema_matches_the_code() -> None:
    exported = (CODEGEN / "schema.graphql").read_text()
    current = build_schema(Settings()).as_str() + "\n"
    assert exported == current, f"codegen/schema.graphql is out of date: {REGENERATE}"


def test_codegen_has_operation_files() -> None:
    assert {p.name for p in OPERATION_FILES} >= set(CORE_OPERATIONS)


@pytest.mark.parametrize("path", OPERATION_FILES, ids=lambda p: str(p.relative_to(CODEGEN)))
def test_operation_file_is_valid_against_the_schema(path: Path, schema: GraphQLSchema) -> None:
    document = parse(path.read_text())
    errors = validate(schema, document)
    assert not errors, f"{path.relative_to(CODEGEN)}: " + "; ".join(e.message for e in errors)
    names = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert all(names), f"{path.name}: every operation needs a name for codegen"
    assert len(names) == len(set(names)), f"{path.name}: operation names repeat"


@pytest.mark.parametrize("file", sorted(CORE_OPERATIONS))
def test_core_operations_are_all_there(file: str) -> None:
    document = parse((CODEGEN / "operations" / file).read_text())
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = {d.name.value for d in operations if d.name}
    assert names >= CORE_OPERATIONS[file], f"missing: {CORE_OPERATIONS[file] - names}"


def test_a_broken_operation_is_caught(schema: GraphQLSchema) -> None:
    errors = validate(schema, parse("query Broken { task(id: 1) { noSuchField } }"))
    assert errors and "noSuchField" in errors[0].message
