"""GraphQL fuzz run: queries and mutations generated from the schema (hypothesis-graphql),
valid by construction but with arbitrary arguments (NUL, huge and negative numbers, odd
Unicode), sent to a real server as the operator and as a viewer. Counts answers with HTTP 5xx
or an error coded INTERNAL; both must be 0. Seeded and bounded.

    .venv/bin/python -m bench.fuzz [cases] [seed]

Prints: cases sent, HTTP status counts, error codes seen, 5xx and INTERNAL counts, and the
baseline (the same number of a fixed valid query) measured in the same run.
"""

from __future__ import annotations

import collections
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from tests.support.server import ServerProcess

SCHEMA = Path(__file__).resolve().parent.parent / "codegen" / "schema.graphql"


def post(url: str, token: str, query: str) -> tuple[int, Any]:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"null")
        except json.JSONDecodeError:
            return error.code, {"raw": raw[:200].decode("utf-8", "replace")}


# The schema's own scalars, as literals: well-formed values and near misses alike.
CUSTOM_SCALARS = {
    "Date": st.sampled_from(["2026-11-25", "2026-02-30", "yesterday"]).map(nodes.String),
    "DateTime": st.sampled_from(
        ["2026-11-25T12:00:00Z", "2026-11-25T12:00:00+02:00", "not a time"]
    ).map(nodes.String),
    "JSON": st.sampled_from(["{}", "[1, 2]", "x"]).map(nodes.String),
    "Long": st.integers(min_value=-(2**70), max_value=2**70).map(nodes.Int),
}


def fuzz(server: ServerProcess, cases: int, run_seed: int) -> dict[str, Any]:
    sdl = SCHEMA.read_text()
    viewer = post(
        server.graphql_url, server.operator_token, 'mutation { issueViewerToken(name: "fuzz") }'
    )
    tokens = [server.operator_token, viewer[1]["data"]["issueViewerToken"]]
    statuses: collections.Counter[int] = collections.Counter()
    codes: collections.Counter[str] = collections.Counter()
    bad: list[tuple[int, str, Any]] = []
    strategy = st.tuples(
        st.one_of(
            queries(sdl, custom_scalars=CUSTOM_SCALARS),
            mutations(sdl, custom_scalars=CUSTOM_SCALARS),
        ),
        st.sampled_from(tokens),
    )

    @seed(run_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def one(case: tuple[str, str]) -> None:
        query, token = case
        status, answer = post(server.graphql_url, token, query)
        statuses[status] += 1
        errors = (answer or {}).get("errors") or [] if isinstance(answer, dict) else []
        for error in errors:
            codes[str((error.get("extensions") or {}).get("code"))] += 1
        internal = any((e.get("extensions") or {}).get("code") == "INTERNAL" for e in errors)
        if status >= 500 or internal:
            bad.append((status, query, errors[:1]))

    one()
    return {"statuses": statuses, "codes": codes, "bad": bad}


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    run_seed = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with ServerProcess(workdir=work, database_url=f"sqlite://{work / 'fuzz.db'}") as server:
            started = time.perf_counter()
            for _ in range(50):
                post(server.graphql_url, server.operator_token, "{ me }")
            baseline = (time.perf_counter() - started) / 50
            started = time.perf_counter()
            result = fuzz(server, cases, run_seed)
            elapsed = time.perf_counter() - started
    sent = sum(result["statuses"].values())
    five = sum(n for status, n in result["statuses"].items() if status >= 500)
    internal = result["codes"].get("INTERNAL", 0)
    print(
        f"fuzz: {sent} cases (seed {run_seed}) in {elapsed:.1f}s, "
        f"{elapsed / max(sent, 1) * 1000:.1f} ms/case"
    )
    print(f"baseline: {{ me }} {baseline * 1000:.1f} ms/request")
    print(f"HTTP statuses: {dict(sorted(result['statuses'].items()))}")
    print(f"error codes: {dict(result['codes'].most_common())}")
    print(f"5xx: {five}  INTERNAL: {internal}")
    for status, query, errors in result["bad"][:5]:
        print(f"  {status} {query[:200]!r} {errors}")
    sys.exit(1 if five or internal else 0)


if __name__ == "__main__":
    main()
