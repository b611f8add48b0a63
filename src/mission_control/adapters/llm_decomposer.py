"""The `llm` decomposer: asks an OpenAI-compatible chat-completions endpoint for subtasks."""

from __future__ import annotations

import json
import logging

import httpx
from pydantic import BaseModel, Field, ValidationError

from mission_control.domain.decomposition import (
    DecomposerFailed,
    ParentTask,
    ProposedSubtask,
    check_proposal,
)
from mission_control.domain.errors import ValidationFailed
from mission_control.settings import Settings

log = logging.getLogger(__name__)

ATTEMPTS = 2  # one retry when the answer is not the JSON asked for

INSTRUCTIONS = (
    "You split a software task into 2 to 10 subtasks an agent can each finish alone. Answer "
    'with JSON only, shaped {"subtasks": [{"title": str, "description": str, "priority": '
    '1-5 or null, "tags": [str], "depends_on": [index of another subtask]}]}. Tags are '
    "lowercase words. depends_on lists the 0-based indexes of subtasks that must be done first."
)


RETRY = "Answer again with the JSON object only, exactly in the shape asked for."


class _Subtask(BaseModel):
    title: str = Field(min_length=1)
    description: str = ""
    priority: int | None = Field(default=None, ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    depends_on: list[int] = Field(default_factory=list)


class _Answer(BaseModel):
    subtasks: list[_Subtask] = Field(min_length=1)


def _prompt(task: ParentTask) -> str:
    return json.dumps(
        {
            "title": task.title,
            "description": task.description,
            "priority": task.priority,
            "tags": list(task.tags),
        }
    )


def _read(body: object) -> list[ProposedSubtask]:
    """The subtasks in a chat-completions response body; ValueError when it has none."""
    try:
        content = body["choices"][0]["message"]["content"]  # type: ignore[index]
        answer = _Answer.model_validate_json(str(content))
    except (KeyError, IndexError, TypeError, ValidationError) as error:
        raise ValueError(str(error)) from error
    proposal = [
        ProposedSubtask(
            title=item.title,
            description=item.description,
            priority=item.priority,
            tags=tuple(item.tags),
            depends_on=tuple(item.depends_on),
        )
        for item in answer.subtasks
    ]
    try:
        return check_proposal(proposal)  # a cycle or a bad tag is bad output too: ask again
    except ValidationFailed as error:
        raise ValueError(error.message) from error


class LlmDecomposer:
    """Decomposes through any OpenAI-compatible endpoint (MC_LLM_BASE_URL, _MODEL, _API_KEY)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_base_url:
            raise DecomposerFailed("The llm decomposer needs MC_LLM_BASE_URL to be set.")
        self._url = settings.llm_base_url.rstrip("/") + "/chat/completions"
        self._model = settings.llm_model
        self._timeout = settings.llm_timeout_seconds
        self._headers = (
            {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        )

    async def _ask(self, client: httpx.AsyncClient, task: ParentTask, problem: str) -> object:
        request = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": _prompt(task)},
                *(
                    [{"role": "user", "content": f"{RETRY} The last answer was wrong: {problem}"}]
                    if problem
                    else []
                ),
            ],
            "response_format": {"type": "json_object"},
        }
        try:
            response = await client.post(self._url, json=request, headers=self._headers)
        except httpx.TimeoutException as error:
            raise DecomposerFailed(
                f"The language model did not answer within {self._timeout:g} s; the task is "
                f"unchanged."
            ) from error
        except httpx.HTTPError as error:
            raise DecomposerFailed(
                f"The language model could not be reached ({error}); the task is unchanged."
            ) from error
        if response.status_code != 200:
            raise DecomposerFailed(
                f"The language model answered with HTTP {response.status_code}; the task is "
                f"unchanged.",
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            return None

    async def propose(self, task: ParentTask) -> list[ProposedSubtask]:
        """Ask for subtasks as JSON; a malformed answer is asked again once, then refused."""
        problem = ""
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            for attempt in range(1, ATTEMPTS + 1):
                body = await self._ask(client, task, problem)
                try:
                    return _read(body)
                except ValueError as error:
                    problem = str(error).splitlines()[0]
                    log.info(
                        "malformed decomposition from the model (try %s): %s", attempt, problem
                    )
        raise DecomposerFailed(
            f"The language model twice answered with something other than the subtasks JSON "
            f"asked for ({problem}); the task is unchanged."
        )
