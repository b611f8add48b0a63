"""A query text is validated once per schema; the cost budget is still judged on
every request, since it depends on the variables. Runs the real schema, no server."""

from __future__ import annotations

from mission_control.schema.schema import build_schema
from mission_control.settings import Settings

BIG = """query($n: Int!) {
  a: board(perColumn: $n) { columns { tasks { description result } } }
  b: board(perColumn: $n) { columns { tasks { description result } } }
}"""


def schema():  # type: ignore[no-untyped-def]
    return build_schema(Settings(database_url="sqlite://:memory:", max_query_cost=2_000))


def codes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [str((error.extensions or {}).get("code")) for error in result.errors or []]


async def test_a_repeated_query_is_validated_once() -> None:
    cached = schema()
    for _ in range(5):
        assert (await cached.execute("{ __typename }")).data == {"__typename": "Query"}
    assert cached.valid_queries is not None and cached.valid_queries.validations == 1
    await cached.execute("query Other { __typename }")
    assert cached.valid_queries.validations == 2


async def test_an_invalid_query_is_refused_every_time() -> None:
    cached = schema()
    for _ in range(3):
        assert codes(await cached.execute("{ noSuchField }")) == ["BAD_QUERY"]
    assert cached.valid_queries is not None and cached.valid_queries.validations == 3


async def test_the_cost_budget_is_judged_per_request_on_the_variables() -> None:
    cached = schema()
    refused = await cached.execute(BIG, variable_values={"n": 500})
    assert codes(refused) == ["TOO_EXPENSIVE"]
    small = await cached.execute(BIG, variable_values={"n": 1})
    assert "TOO_EXPENSIVE" not in codes(small)  # past the budget (then refused: no token)
    again = await cached.execute(BIG, variable_values={"n": 500})
    assert codes(again) == ["TOO_EXPENSIVE"]
    assert cached.valid_queries is not None and cached.valid_queries.validations == 1
