"""The assembled schema: the root types (schema/queries.py, mutations.py, subscriptions.py), plus
the protective extensions."""

from __future__ import annotations

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from mission_control.schema.cost import QueryCost, ValidQueries
from mission_control.schema.errors import ErrorCodes, MissionControlSchema
from mission_control.schema.execution import SubscriptionExecutor
from mission_control.schema.mutations import Mutation
from mission_control.schema.queries import Query
from mission_control.schema.subscriptions import Subscription
from mission_control.schema.usage import SCALARS
from mission_control.settings import Settings

__all__ = ["Mutation", "Query", "Subscription", "build_schema"]


# Distinct query texts known to be valid (agents and clients send a few dozen). Parsing is
# not cached: it is a tenth of validation's cost, and a parse error must stay coded.
DOCUMENTS_KEPT = 256


def build_schema(settings: Settings) -> MissionControlSchema:
    """The schema with query depth, alias and size limits from the settings."""
    valid = ValidQueries(maxsize=DOCUMENTS_KEPT)
    schema = MissionControlSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SubscriptionExecutor,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            ErrorCodes,
            # Factories, not instances: strawberry builds a fresh extension per request.
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            # Last: it runs validation with the rules the limiters above added (once per query
            # text, see ValidQueries), then the budget.
            lambda: QueryCost(max_cost=settings.max_query_cost, valid=valid),
        ],
    )
    schema.valid_queries = valid  # the tests read how many documents were validated
    return schema
