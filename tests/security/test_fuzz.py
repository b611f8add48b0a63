"""A bounded, seeded GraphQL fuzz run in the suite (bench.fuzz runs thousands): queries and
mutations generated from the schema never get an HTTP 5xx or an INTERNAL error."""

from __future__ import annotations

import asyncio
import os

import pytest

from bench.fuzz import fuzz
from tests.support.server import ServerProcess

CASES = int(os.environ.get("MC_FUZZ_CASES", "150"))


@pytest.mark.slow
@pytest.mark.timeout(1200)
async def test_generated_operations_get_no_5xx_and_no_internal(server: ServerProcess) -> None:
    result = await asyncio.to_thread(fuzz, server, CASES, 12)
    assert sum(result["statuses"].values()) >= CASES // 2  # hypothesis may dedupe a few
    assert result["bad"] == []
