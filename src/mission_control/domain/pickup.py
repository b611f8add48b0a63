"""The pickup rule's pure checks: whether an agent may be handed a task right now.

Everything here decides from plain values the services load (the agent's own fields, the
operator's switches, how many tasks it holds); loading them is the services' and store's job.
What a claim reads is handed over as a `PickupRecord` (store/claims.py fills it), turned into
the agent's side of the rule here (`agent_side`), so a claim goes store → domain → store →
domain without a service in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from mission_control.domain.agents import AgentStatus
from mission_control.domain.control import AutonomyMode, autonomy_of
from mission_control.domain.errors import Conflict, Forbidden, MissionControlError, Paused
from mission_control.domain.routing import fits, required_skills
from mission_control.domain.usage import Budget, Totals, used_up
from mission_control.domain.workflow import TaskStatus


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


# --- The one rule, as every path that hands a task to an agent applies it ------------------
#
# Every way a task comes into an agent's hands (claimTask, claimNextTask, transitionTask to
# in_progress, a granted approval, the board, Slack) is decided by `refusal`, from facts the
# services read under a lock on the agent's row (services/pickup.py: check_pickup).


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
    budget_spent: str | None = None  # why a daily budget (the agent's, the board's) is used up
    retry_in_seconds: float = 0.0  # a failed attempt's backoff still to run (Task.retry_at)


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
    if facts.budget_spent is not None:
        return Paused(facts.budget_spent, agent=agent)
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
    if facts.retry_in_seconds > 0:
        return Conflict(
            f"Task #{task} failed its last attempt and waits out its retry backoff; it is "
            f"handed out again in {facts.retry_in_seconds:.0f} s.",
            task_id=task,
            retry_in_seconds=round(facts.retry_in_seconds, 1),
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


# --- What a claim reads, and the agent's side of the rule built from it ---------------------


@dataclass(frozen=True, slots=True)
class ClaimingAgent:
    """The fields of the agent's row a claim decides on (an `AgentFacts`)."""

    id: int
    name: str
    skills: tuple[str, ...]
    status: AgentStatus
    wip_limit: int
    paused: bool
    token_budget: int | None
    last_heartbeat_at: datetime | None
    created_at: datetime
    output_task_id: int | None


@dataclass(frozen=True, slots=True)
class InPlay:
    """An approval that bears on a claim: a pending request, or this agent's decline."""

    task_id: int
    agent_id: int
    agent: str
    pending: bool


@dataclass(frozen=True, slots=True)
class PickupRecord:
    """The agent's row, locked, and everything on its side of the rule, as stored."""

    agent: ClaimingAgent
    autonomy: Any  # the stored switches (controls.value), None until the operator set one
    held: int
    assigned_ready: int
    budget: Budget
    used: Totals  # what it reported today
    board_used: Totals | None  # what everyone reported today, read while the board has a budget
    approvals: tuple[InPlay, ...]


@dataclass(frozen=True, slots=True)
class PickupPolicy:
    """The settings the rule reads, as plain values (services/pickup.py: pickup_policy)."""

    token_budget_floor: int
    auto_tags: frozenset[str]  # manual mode lets these through without asking
    skill_keywords: Mapping[str, str]
    control_tags: frozenset[str]  # tags that steer the workflow and are never skills
    default_mode: AutonomyMode
    board_budget: Budget


class CandidateTask(Protocol):
    """What the rule reads of a task (store/views.py: TaskView)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def status(self) -> TaskStatus: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def retry_at(self) -> datetime | None: ...


def budget_verdict(
    agent: str,
    budget: Budget,
    used: Totals,
    policy: PickupPolicy,
    board_used: Totals | None,
    day: date,
) -> str | None:
    """Why the agent gets no new task on `day` because its daily budget, or the board's, is
    used up; None when it may."""
    if budget.is_set:
        spent = used_up(f"Agent {agent}'s", budget, used, day)
        if spent is not None:
            return spent
    if board_used is None or not policy.board_budget.is_set:
        return None
    return used_up("The board's", policy.board_budget, board_used, day)


@dataclass(frozen=True)
class AgentSide:
    """The agent's side of the pickup rule, read once per claim under the lock on its row."""

    agent: ClaimingAgent
    policy: PickupPolicy
    globally_paused: bool
    manual_mode: bool
    held: int
    assigned_ready: int  # ready tasks assigned to it (its own come first in claimNext)
    budget_spent: str | None
    reserved: dict[int, str]  # task id → the agent whose pending request reserves it
    declined: frozenset[int]  # tasks the operator declined for it since its last heartbeat
    own_request: int | None  # the task of its own pending request, if it asked and waits

    def gate(self) -> Gate:
        """The switches, the budget and WIP, cheapest first: the first that says no."""
        policy = self.policy
        refused = switch_refusal(self.globally_paused, self.agent, policy.token_budget_floor)
        if refused is not None:
            return refused
        if self.budget_spent:
            return Gate(self.budget_spent, True)
        refused = wip_refusal(self.agent, self.held)
        if refused is not None:
            return refused
        return Gate(manual=self.manual_mode, auto_tags=policy.auto_tags)

    def passed_over(self) -> list[int]:
        """Tasks claimNext does not offer it: reserved by a pending request, or declined."""
        return sorted(self.reserved.keys() | self.declined)

    def without_request(self, task_id: int) -> AgentSide:
        """After its own stale request was closed: that task is no longer reserved."""
        reserved = {k: v for k, v in self.reserved.items() if k != task_id}
        return replace(self, reserved=reserved, own_request=None)

    def facts(
        self,
        task: CandidateTask,
        now: datetime,
        *,
        approved: bool,
        open_dependencies: tuple[int, ...],
    ) -> PickupFacts:
        """The rule's facts for handing `task` (its assignee as read) to this agent now."""
        agent, policy = self.agent, self.policy
        needs = required_skills(
            task.tags,
            f"{task.title}\n{task.description}",
            policy.skill_keywords,
            policy.control_tags,
        )
        retry_in = (task.retry_at - now).total_seconds() if task.retry_at else 0.0
        held = self.held - (task.status is TaskStatus.IN_PROGRESS and task.assignee == agent.name)
        return PickupFacts(
            agent=agent.name,
            task_id=task.id,
            globally_paused=self.globally_paused,
            agent_paused=agent.paused,
            manual=self.manual_mode and not set(task.tags) & policy.auto_tags,
            approved=approved,
            held=held,
            wip_limit=agent.wip_limit,
            token_budget=agent.token_budget,
            budget_floor=policy.token_budget_floor,
            skills_fit=fits(agent.skills, needs),
            open_dependencies=open_dependencies,
            assignee=task.assignee,
            reserved_by=self.reserved.get(task.id),
            declined=task.id in self.declined,
            budget_spent=self.budget_spent,
            retry_in_seconds=max(retry_in, 0.0),
        )


def agent_side(record: PickupRecord, policy: PickupPolicy, today: date) -> AgentSide:
    """The agent's side of the rule from what its claim read: the switches, the budgets, the
    approval requests that reserve tasks, its own pending request and recent declines."""
    agent = record.agent
    autonomy = autonomy_of(record.autonomy, policy.default_mode)
    reserved: dict[int, str] = {}
    declined: set[int] = set()
    own: int | None = None
    for approval in record.approvals:
        if not approval.pending:
            declined.add(approval.task_id)
            continue
        if approval.agent_id == agent.id:
            own = approval.task_id
        if approval.agent_id != agent.id or approval.task_id not in reserved:
            reserved[approval.task_id] = approval.agent
    spent = budget_verdict(agent.name, record.budget, record.used, policy, record.board_used, today)
    return AgentSide(
        agent=agent,
        policy=policy,
        globally_paused=autonomy.paused,
        manual_mode=autonomy.mode is AutonomyMode.MANUAL,
        held=record.held,
        assigned_ready=record.assigned_ready,
        budget_spent=spent,
        reserved=reserved,
        declined=frozenset(declined),
        own_request=own,
    )
