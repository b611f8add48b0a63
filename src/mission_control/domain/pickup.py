"""The pickup rule's pure checks: whether an agent may be handed a task right now.

Everything here decides from plain values the services load (the agent's own fields, the
operator's switches, how many tasks it holds); loading them is the services' and store's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from mission_control.domain.agents import AgentStatus


class AgentFacts(Protocol):
    """The fields of an agent the pickup rule reads."""

    @property
    def name(self) -> str: ...
    @property
    def status(self) -> AgentStatus: ...
    @property
    def paused(self) -> bool: ...
    @property
    def token_budget(self) -> int | None: ...
    @property
    def wip_limit(self) -> int: ...
    @property
    def last_heartbeat_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


def last_seen(agent: AgentFacts) -> datetime:
    """When the agent last showed life: its last heartbeat, or its registration."""
    return agent.last_heartbeat_at or agent.created_at


def is_offline(agent: AgentFacts, now: datetime, offline_after_seconds: int) -> bool:
    """Silent for longer than MC_OFFLINE_AFTER_SECONDS, or marked offline by a lost lease."""
    if agent.status is AgentStatus.OFFLINE:
        return True
    return now - last_seen(agent) > timedelta(seconds=offline_after_seconds)


def below_budget(agent: AgentFacts, token_budget_floor: int) -> bool:
    """It reported fewer tokens left than the floor; it gets no new task until it reports more."""
    return agent.token_budget is not None and agent.token_budget < token_budget_floor


def is_available(
    agent: AgentFacts, now: datetime, offline_after_seconds: int, token_budget_floor: int
) -> bool:
    """Routing only suggests agents that said they are alive (a heartbeat), recently, and
    that the operator has not paused and that have tokens left."""
    return agent.last_heartbeat_at is not None and not (
        agent.paused
        or is_offline(agent, now, offline_after_seconds)
        or below_budget(agent, token_budget_floor)
    )


@dataclass(frozen=True)
class Gate:
    """The answer for one agent: a refusal (and whether it is a pause), or the mode to use."""

    refusal: str | None = None
    paused: bool = False
    manual: bool = False
    auto_tags: frozenset[str] = frozenset()

    def needs_approval(self, tags: Iterable[str]) -> bool:
        """Manual mode asks the operator, except for tasks with an always-auto tag."""
        return self.manual and not (set(tags) & self.auto_tags)


def switch_refusal(
    autonomy_paused: bool, agent: AgentFacts, token_budget_floor: int
) -> Gate | None:
    """The operator's pauses and the token budget, in that order; None when all say yes."""
    if autonomy_paused:
        return Gate("Autonomy is paused by the operator: no new task is handed out.", True)
    if agent.paused:
        return Gate(f"Agent {agent.name} is paused by the operator.", True)
    if below_budget(agent, token_budget_floor):
        return Gate(
            f"Agent {agent.name} reported a token budget of {agent.token_budget}, under the "
            f"floor of {token_budget_floor}; report more with a heartbeat."
        )
    return None


def wip_refusal(agent: AgentFacts, held: int) -> Gate | None:
    """The agent's work-in-progress limit; None while it has room."""
    if held >= agent.wip_limit:
        return Gate(
            f"Agent {agent.name} holds {held} task(s), its WIP limit of {agent.wip_limit}; "
            f"finish or release one first."
        )
    return None
