"""Who may do what: pure checks on the caller, raised as Forbidden before any data is touched."""

from __future__ import annotations

from mission_control.domain.actors import Actor, Role
from mission_control.domain.errors import Forbidden


def require_operator(actor: Actor, doing: str) -> None:
    """Refuse anyone but the operator (or the system acting for it)."""
    if not actor.is_operator:
        raise Forbidden(f"Only the operator can {doing}.", role=str(actor.role))


def require_writer(actor: Actor) -> None:
    """Refuse read-only viewers."""
    if actor.role is Role.VIEWER:
        raise Forbidden("A viewer can look at the board but not change it.")


def require_agent(actor: Actor, doing: str = "claim tasks") -> None:
    """Refuse anyone but an agent (claims and heartbeats are an agent's acts)."""
    if actor.role is not Role.AGENT:
        raise Forbidden(f"Only an agent can {doing}; sign in with an agent token.")
