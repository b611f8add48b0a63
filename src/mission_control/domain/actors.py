"""Who is acting: the operator, an agent, a read-only viewer, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    AGENT = "agent"
    VIEWER = "viewer"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    name: str
    agent_id: int | None = None
    # The credential the token belongs to (None for the configured MC_OPERATOR_TOKEN and the
    # system's own actors): what a revocation names, and what open connections are tied to.
    credential_id: int | None = None

    @property
    def label(self) -> str:
        """How the actor is written in the audit log: `operator`, `agent:dev`, `automation`."""
        if self.role is Role.AGENT:
            return f"agent:{self.name}"
        return self.name

    @property
    def is_operator(self) -> bool:
        return self.role in (Role.OPERATOR, Role.SYSTEM)


OPERATOR = Actor(Role.OPERATOR, "operator")
AUTOMATION = Actor(Role.SYSTEM, "automation")
LEASE_KEEPER = Actor(Role.SYSTEM, "lease-keeper")


def agent_actor(name: str, agent_id: int | None = None) -> Actor:
    """The actor for an agent acting on its own behalf."""
    return Actor(Role.AGENT, name, agent_id)
