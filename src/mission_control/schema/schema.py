"""The assembled schema: the root types (schema/queries.py, mutations.py, subscriptions.py), plus
the protective extensions."""

from __future__ import annotations

from strawberry.schema.config import StrawberryConfig

from mission_control.schema.cost import QueryCost, QueryLimits, ValidQueries
from mission_control.schema.errors import ErrorCodes, MissionControlSchema
from mission_control.schema.execution import SubscriptionExecutor
from mission_control.schema.mutations import Mutation
from mission_control.schema.queries import Query
from mission_control.schema.subscriptions import Subscription
from mission_control.schema.usage import SCALARS
from mission_control.settings import Settings

__all__ = ["Mutation", "Query", "Subscription", "build_schema"]


# Distinct query texts known to be valid, with their documents (agents and clients send a few
# dozen); a text that fails to parse or validate is never kept, so its error stays coded.
DOCUMENTS_KEPT = 256


def build_schema(settings: Settings) -> MissionControlSchema:
    """The schema with query depth, alias and size limits from the settings."""
    valid = ValidQueries(maxsize=DOCUMENTS_KEPT)
    limits = QueryLimits.of(settings, valid)
    schema = MissionControlSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SubscriptionExecutor,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            ErrorCodes,
            # A factory, not an instance: strawberry builds a fresh extension per request. One
            # extension holds every limit (tokens, depth, aliases, cost), built once here: the
            # limiters as extensions each cost a fresh instance per request, the depth and
            # alias ones a new validation rule class too, though a known text is not
            # validated again (schema/cost.py: ValidQueries).
            lambda: QueryCost(limits),
        ],
    )
    schema.valid_queries = valid  # the tests read how many documents were validated
    return schema
