"""Trusted operations: an option that holds agents to the documents our own clients send.

With MC_TRUSTED_OPERATIONS=agents, an agent token may run only an operation that Mission
Control's runner, CLI or MCP server ships (codegen/operations, compiled into the generated
client). A leaked agent token then cannot explore the schema or send a crafted query; operators
and viewers keep the playground. Documents are compared in graphql-core's printed form, so
whitespace, comments and the client's own re-printing (gql prints the document it sends) do not
matter, while any change to the selection does.
"""

from __future__ import annotations

from functools import cache

from graphql import OperationDefinitionNode, parse, print_ast

from mission_control.client.generated.operations import DOCUMENTS
from mission_control.domain.errors import Forbidden


@cache
def trusted_documents() -> frozenset[str]:
    """Each shipped operation, printed the way `check` prints what a request sends."""
    printed: set[str] = set()
    for document in DOCUMENTS:
        for definition in parse(document).definitions:
            printed.add(print_ast(definition))
    return frozenset(printed)


def check(operation: OperationDefinitionNode, fragment_count: int) -> None:
    """Refuse (FORBIDDEN) an operation that is not one of the shipped documents."""
    if fragment_count == 0 and print_ast(operation) in trusted_documents():
        return
    raise Forbidden(
        "This server runs trusted operations only for agents (MC_TRUSTED_OPERATIONS=agents): "
        "send one of the operations Mission Control's client ships (codegen/operations), "
        "or ask the operator for an operator token.",
        reason="untrusted_operation",
    )
