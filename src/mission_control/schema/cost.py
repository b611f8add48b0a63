"""A per-request budget on what a query may return, checked before it runs.

Depth, alias and token limits bound the query's text, not its answer: 20 aliases of
`board(perColumn: 500) { columns { tasks { description } } }` are a short query and a
half-gigabyte answer. The estimate here multiplies, along each path, the list sizes the query
asks for (its `perColumn`, `first`, `limit` arguments, or each list's cap) and weighs heavy
text fields (descriptions, results: up to 20,000 characters each) more than plain ones. A query
over MC_MAX_QUERY_COST is refused with TOO_EXPENSIVE and the figures, before any row is read.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

from mission_control.settings import Settings

TOO_EXPENSIVE = "TOO_EXPENSIVE"
HEAVY_WEIGHT = 10  # a free-text field weighs as much as ten plain ones
HEAVY = frozenset(
    {
        "description",
        "result",
        "feedback",
        "blockReason",
        "payload",
        "note",
        "reason",
        "text",
        "body",
        "outputTail",
        "tail",
    }
)
PAGE_DEFAULT, PAGE_MAX = 50, 500
# Lists whose size no argument sets: their most (or typical upper) length.
FIXED = {
    "columns": 7,
    "taskHistory": 200,
    "subtasks": 50,
    "agents": 100,
    "approvals": 500,
    "tokens": 200,
    "tags": 20,
    "skills": 20,
    "dependsOn": 20,
    "errors": 20,
    "comments": 100,
}


def _clamp(value: object, default: int, most: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(1, min(value, most))
    return default


class _Estimate:
    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables

    def args(self, field: FieldNode) -> dict[str, Any]:
        return {
            arg.name.value: value_from_ast_untyped(arg.value, dict(self.variables))
            for arg in field.arguments or ()
        }

    def fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> Iterator[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self.fields(fragment.selection_set, seen | {name})

    def cost(self, selection_set: SelectionSetNode | None, page: int, root: bool) -> int:
        total = 0
        for field in self.fields(selection_set, frozenset()):
            name = field.name.value
            args = self.args(field)
            size, inner_page = 1, page
            if root and name == "board":
                inner_page = _clamp(args.get("perColumn"), PAGE_DEFAULT, PAGE_MAX)
            elif root and name == "tasks":
                inner_page = _clamp(args.get("first"), PAGE_DEFAULT, PAGE_MAX)
            elif name in ("tasks", "nodes"):
                size = page
            elif name == "events" and root:
                size = _clamp(args.get("limit"), 200, 1000)
            else:
                size = FIXED.get(name, 1)
            if field.selection_set is None:
                own = HEAVY_WEIGHT if name in HEAVY else 1
            else:
                own = 1 + self.cost(field.selection_set, inner_page, root=False)
            total += size * own
        return total


def estimate(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    """The worst-case size of the operation's answer, in weighted fields."""
    return _Estimate(fragments, variables or {}).cost(
        operation.selection_set, PAGE_DEFAULT, root=True
    )


class ValidQueries:
    """Query texts that passed validation under one schema's fixed rules, with their parsed
    documents, most recent last.

    Agents send the same few operations all day; validating one costs more than a millisecond,
    parsing it a tenth of that. Only successes are kept (a parse or validation error is built
    afresh each time, so it keeps its code), the rules never change for a schema, and the set
    is bounded so unique texts cannot grow it. A document is never changed by executing it,
    so one is shared by every request with its text.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self.validations = 0  # how many documents were validated in full (for the tests)

    def __contains__(self, text: object) -> bool:
        return text in self._documents

    def document(self, text: str | None) -> DocumentNode | None:
        """The parsed document of a text known valid (now the most recently used)."""
        if text is None or text not in self._documents:
            return None
        self._documents.move_to_end(text)
        return self._documents[text]

    def add(self, text: str, document: DocumentNode) -> None:
        self._documents[text] = document
        if len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)


@dataclass(frozen=True)
class QueryLimits:
    """A schema's limits on a query, built once: its size in tokens (checked while parsing),
    the depth and alias rules (Strawberry's limiters' validation rules, checked with the
    standard ones), the answer's estimated cost, and the texts already found valid."""

    max_tokens: int
    rules: tuple[type[ASTValidationRule], ...]
    max_cost: int
    valid: ValidQueries

    @classmethod
    def of(cls, settings: Settings, valid: ValidQueries) -> QueryLimits:
        limiters = (
            QueryDepthLimiter(max_depth=settings.max_query_depth),
            MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        )
        rules = tuple(rule for limiter in limiters for rule in limiter.validation_rules)
        return cls(settings.max_tokens, rules, settings.max_query_cost, valid)


class QueryCost(SchemaExtension):
    """Every limit of `QueryLimits` in one extension per request. A text validated before
    skips parsing and validation (its document is reused); the cost budget is judged on every
    request, since it depends on the variables."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.known = False

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        document = self.limits.valid.document(context.query)
        if document is not None and context.graphql_document is None:
            context.graphql_document = document
            self.known = True
        yield

    def _validate(self, document: DocumentNode) -> list[GraphQLError]:
        if self.known:
            return []
        valid = self.limits.valid
        valid.validations += 1
        context = self.execution_context
        rules = (*context.validation_rules, *self.limits.rules)
        errors = validate_document(context.schema._schema, document, rules)
        if not errors and context.query is not None:
            valid.add(context.query, document)
        return errors

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            errors = self._validate(document)
            if not errors:
                errors = self._over_budget(context.operation_name, document, context.variables)
            context.pre_execution_errors = errors
        yield

    def _over_budget(
        self, name: str | None, document: DocumentNode, variables: Mapping[str, Any] | None
    ) -> list[GraphQLError]:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
        if not chosen:
            return []
        cost = estimate(chosen[0], fragments, variables)
        max_cost = self.limits.max_cost
        if cost <= max_cost:
            return []
        return [
            GraphQLError(
                f"This query could return about {cost:,} fields, over the budget of "
                f"{max_cost:,} per request: ask for fewer aliases, smaller pages "
                f"(perColumn, first, limit) or leave out long text fields like description.",
                extensions={"code": TOO_EXPENSIVE, "cost": cost, "limit": max_cost},
            )
        ]
