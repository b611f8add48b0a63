"""A server whose `llm` decomposer talks to a loopback chat-completions endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.automation.chat_completions import ChatCompletions
from tests.support.server import ServerProcess


@pytest.fixture
async def llm() -> AsyncIterator[ChatCompletions]:
    endpoint = await ChatCompletions().start()
    try:
        yield endpoint
    finally:
        await endpoint.stop()


@pytest.fixture
async def llm_server(
    tmp_path: Path, sqlite_url: str, llm: ChatCompletions
) -> AsyncIterator[ServerProcess]:
    env = {
        "MC_DECOMPOSER": "llm",
        "MC_LLM_BASE_URL": llm.base_url,
        "MC_LLM_MODEL": "local-test-model",
        "MC_LLM_API_KEY": "sk-loopback",
        "MC_LLM_TIMEOUT_SECONDS": "1",
    }
    process = ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env)
    process.start()  # blocking start, but the endpoint only needs to answer later
    try:
        yield process
    finally:
        process.stop()
