"""The one pickup rule: whether an agent may be handed a ready task right now.

Every way a task comes into an agent's hands (claimTask, claimNextTask, transitionTask to
in_progress, a granted approval, the board, Slack) is decided here, from facts the services read
under a lock on the agent's row. Pure: no I/O, no framework.
"""

from __future__ import annotations

from dataclasses import dataclass

from mission_control.domain.errors import Conflict, Forbidden, MissionControlError, Paused


@dataclass(frozen=True, slots=True)
class PickupFacts:
    """What the rule needs to know, read in the claiming transaction."""

    agent: str
    task_id: int
    globally_paused: bool
    agent_paused: bool
    manual: bool  # autonomy is manual and the task has no always-auto tag
    approved: bool  # the operator granted this pickup (manual mode's answer)
    held: int  # tasks the agent has in progress now
    wip_limit: int
    token_budget: int | None
    budget_floor: int
    skills_fit: bool
    open_dependencies: tuple[int, ...]
    assignee: str | None  # the agent the task is assigned to, if any
    reserved_by: str | None  # another agent whose pending approval request reserves it
    declined: bool  # the operator declined this pickup since the agent's last heartbeat


def refusal(facts: PickupFacts) -> MissionControlError | None:
    """The reason the pickup is refused (as the error to raise), or None when it may go ahead.

    Checked in this order, so the most important reason is the one given: the operator's
    switches, then the agent's capacity, then the task's own conditions.
    """
    agent, task = facts.agent, facts.task_id
    if facts.globally_paused:
        return Paused("Autonomy is paused by the operator: no new task is handed out.", agent=agent)
    if facts.agent_paused:
        return Paused(f"Agent {agent} is paused by the operator.", agent=agent)
    if facts.held >= facts.wip_limit:
        return Conflict(
            f"Agent {agent} holds {facts.held} task(s), its WIP limit of {facts.wip_limit}; "
            f"finish or release one first.",
            agent=agent,
            held=facts.held,
            wip_limit=facts.wip_limit,
        )
    if facts.token_budget is not None and facts.token_budget < facts.budget_floor:
        return Conflict(
            f"Agent {agent} reported a token budget of {facts.token_budget}, under the floor "
            f"of {facts.budget_floor}; report more with a heartbeat.",
            agent=agent,
        )
    if facts.assignee is not None and facts.assignee != agent:
        return Forbidden(
            f"Task #{task} is assigned to {facts.assignee}; only that agent may pick it up "
            f"(the operator can reassign it).",
            task_id=task,
            assignee=facts.assignee,
        )
    if facts.open_dependencies:
        waits = ", ".join(f"#{dep}" for dep in facts.open_dependencies)
        return Conflict(
            f"Task #{task} waits for {waits}, not done yet; it is handed out after them.",
            task_id=task,
            waits_for=list(facts.open_dependencies),
        )
    if not facts.skills_fit:
        return Forbidden(f"Task #{task} needs skills agent {agent} does not have.", task_id=task)
    if facts.reserved_by is not None and facts.reserved_by != agent and not facts.approved:
        return Conflict(
            f"Task #{task} is reserved by {facts.reserved_by}'s pending approval request.",
            task_id=task,
        )
    if facts.declined and not facts.approved:
        return Conflict(
            f"The operator declined task #{task} for {agent}; it is offered again after the "
            f"next heartbeat.",
            task_id=task,
        )
    if facts.manual and not facts.approved:
        return Forbidden(
            "Autonomy is manual: ask with claimNextTask, which requests the operator's approval.",
            task_id=task,
        )
    return None
