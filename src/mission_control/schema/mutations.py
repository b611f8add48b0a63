"""The Mutation root: each field's GraphQL signature; Strawberry inputs become the resolvers'
plain values before the call, and what the services return becomes GraphQL types after."""

from __future__ import annotations

import strawberry

from mission_control.domain.supervision import LimitOverrides
from mission_control.resolvers import agents as agent_resolvers
from mission_control.resolvers import mutations, planning, supervision
from mission_control.resolvers import tokens as token_resolvers
from mission_control.resolvers import usage as usage_resolvers
from mission_control.resolvers import webhooks as webhook_resolvers
from mission_control.resolvers.context import Info
from mission_control.schema.agents import AgentOutput, Approval, Autonomy, AutonomyMode
from mission_control.schema.decomposition import Decomposition, ProposedSubtask, SubtaskInput
from mission_control.schema.inputs import CreateTaskInput, UpdateTaskInput
from mission_control.schema.queries import agent_of
from mission_control.schema.tokens import IssuedToken, Role, TokenInfo
from mission_control.schema.types import (
    Agent,
    AgentRegistration,
    AgentStatus,
    Claim,
    Comment,
    EventKind,
    Task,
    TaskStatus,
)
from mission_control.schema.usage import AgentBudget, Long, UsageInput, report_of
from mission_control.schema.webhooks import Webhook, WebhookRegistration
from mission_control.services import budgets
from mission_control.services import decomposition as decomposition_services
from mission_control.services.tasks import TaskDraft, TaskEdit
from mission_control.store.views import TaskView, TokenView


def _task(view: TaskView) -> Task:
    return Task.from_view(view)


def _decomposition(result: decomposition_services.Decomposition) -> Decomposition:
    return Decomposition(
        task=Task.from_view(result.task),
        subtasks=[ProposedSubtask.from_data(item) for item in result.proposal],
        created=[Task.from_view(view) for view in result.created],
    )


def _issued(issued: tuple[TokenView, str]) -> IssuedToken:
    view, secret = issued
    return IssuedToken(info=TokenInfo.from_view(view), token=secret)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> Task:
        draft = TaskDraft(
            title=input.title,
            description=input.description,
            priority=input.priority,
            tags=input.tags,
            parent_id=input.parent_id,
        )
        return _task(await mutations.create_task(info, draft))

    @strawberry.mutation
    async def update_task(
        self, info: Info, id: int, input: UpdateTaskInput, expected_version: int | None = None
    ) -> Task:
        edit = TaskEdit(
            title=input.title,
            description=input.description,
            priority=input.priority,
            tags=input.tags,
        )
        return _task(await mutations.update_task(info, id, edit, expected_version))

    @strawberry.mutation(
        description="Move a task to a status by whichever move the workflow allows."
    )
    async def transition_task(
        self,
        info: Info,
        id: int,
        to: TaskStatus,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Task:
        return _task(await mutations.transition_task(info, id, to, reason, expected_version))

    @strawberry.mutation
    async def block_task(
        self, info: Info, id: int, reason: str, expected_version: int | None = None
    ) -> Task:
        return _task(await mutations.block_task(info, id, reason, expected_version))

    @strawberry.mutation
    async def unblock_task(self, info: Info, id: int, expected_version: int | None = None) -> Task:
        return _task(await mutations.unblock_task(info, id, expected_version))

    @strawberry.mutation
    async def claim_task(self, info: Info, id: int, expected_version: int | None = None) -> Task:
        return _task(await mutations.claim_task(info, id, expected_version))

    @strawberry.mutation(
        description="Claim the most urgent, oldest ready task for the calling agent."
    )
    async def claim_next_task(self, info: Info) -> Claim:
        claim = await mutations.claim_next_task(info)
        return Claim(
            outcome=claim.outcome,
            task=_task(claim.task) if claim.task else None,
            approval_id=claim.approval_id,
            reason=claim.reason,
        )

    @strawberry.mutation
    async def report_progress(
        self,
        info: Info,
        id: int,
        progress: int,
        note: str | None = None,
        usage: UsageInput | None = None,
    ) -> Task:
        report = report_of(usage)
        return _task(await mutations.report_progress(info, id, progress, note, report))

    @strawberry.mutation
    async def submit_for_review(
        self,
        info: Info,
        id: int,
        result: str | None = None,
        expected_version: int | None = None,
        usage: UsageInput | None = None,
    ) -> Task:
        report = report_of(usage)
        return _task(await mutations.submit_for_review(info, id, result, expected_version, report))

    @strawberry.mutation(description="The holder reports tokens and dollars spent on its task.")
    async def report_usage(self, info: Info, id: int, usage: UsageInput) -> Task:
        return _task(await usage_resolvers.report_usage(info, id, usage.report()))

    @strawberry.mutation(
        description="Set an agent's daily budget; an argument left out is unchanged, null "
        "means no limit. Raising it resumes an agent its budget paused."
    )
    async def set_agent_budget(
        self,
        info: Info,
        name: str,
        tokens: Long | None = strawberry.UNSET,
        cost_usd: float | None = strawberry.UNSET,
    ) -> AgentBudget:
        state = await usage_resolvers.set_agent_budget(
            info,
            name,
            budgets.KEEP if tokens is strawberry.UNSET else tokens,
            budgets.KEEP if cost_usd is strawberry.UNSET else cost_usd,
        )
        return AgentBudget.from_state(state)

    @strawberry.mutation
    async def approve_task(self, info: Info, id: int, expected_version: int | None = None) -> Task:
        return _task(await mutations.approve_task(info, id, expected_version))

    @strawberry.mutation
    async def reject_task(
        self, info: Info, id: int, feedback: str, expected_version: int | None = None
    ) -> Task:
        return _task(await mutations.reject_task(info, id, feedback, expected_version))

    @strawberry.mutation
    async def cancel_task(
        self, info: Info, id: int, reason: str | None = None, expected_version: int | None = None
    ) -> Task:
        return _task(await mutations.cancel_task(info, id, reason, expected_version))

    @strawberry.mutation
    async def release_task(
        self, info: Info, id: int, reason: str | None = None, expected_version: int | None = None
    ) -> Task:
        return _task(await mutations.release_task(info, id, reason, expected_version))

    @strawberry.mutation(
        description="(Operator) Take a done or cancelled task up again: to READY when it has "
        "a title, description and priority, else to INTAKE (Event REOPENED)."
    )
    async def reopen_task(
        self, info: Info, id: int, reason: str | None = None, expected_version: int | None = None
    ) -> Task:
        return _task(await mutations.reopen_task(info, id, reason, expected_version))

    @strawberry.mutation(
        description="Comment on a task (Event COMMENTED): the operator on any task, an agent "
        "on a task it holds or is assigned."
    )
    async def add_comment(self, info: Info, task_id: int, body: str) -> Comment:
        return Comment.from_view(await mutations.add_comment(info, task_id, body))

    @strawberry.mutation
    async def assign_task(
        self,
        info: Info,
        id: int,
        agent: str | None = None,
        expected_version: int | None = None,
        force: bool = False,
    ) -> Task:
        return _task(await mutations.assign_task(info, id, agent, expected_version, force))

    @strawberry.mutation
    async def register_agent(
        self, info: Info, name: str, skills: list[str] | None = None, wip_limit: int = 1
    ) -> AgentRegistration:
        row, token = await mutations.register_agent(info, name, skills or [], wip_limit)
        return AgentRegistration(agent=Agent.from_view(row), token=token)

    @strawberry.mutation(
        description="The calling agent is alive; renews the lease of the task it holds."
    )
    async def heartbeat(
        self,
        info: Info,
        status: AgentStatus | None = None,
        token_budget: int | None = None,
        note: str | None = None,
    ) -> Agent:
        return agent_of(await agent_resolvers.heartbeat(info, status, token_budget, note))

    @strawberry.mutation(
        description="The holder's command printed these new lines on its task (at most 8,000 "
        "characters); the server keeps the last 200 lines as the agent's outputTail."
    )
    async def report_output(self, info: Info, task_id: int, chunk: str) -> AgentOutput:
        return AgentOutput.from_data(await agent_resolvers.report_output(info, task_id, chunk))

    @strawberry.mutation
    async def pause_agent(self, info: Info, name: str) -> Agent:
        return agent_of(await agent_resolvers.pause_agent(info, name))

    @strawberry.mutation
    async def resume_agent(self, info: Info, name: str) -> Agent:
        return agent_of(await agent_resolvers.resume_agent(info, name))

    @strawberry.mutation
    async def set_autonomy(
        self, info: Info, paused: bool | None = None, mode: AutonomyMode | None = None
    ) -> Autonomy:
        return Autonomy.from_data(await agent_resolvers.set_autonomy(info, paused, mode))

    @strawberry.mutation
    async def decide_approval(
        self, info: Info, id: int, approve: bool, reason: str | None = None
    ) -> Approval:
        return Approval.from_view(await agent_resolvers.decide_approval(info, id, approve, reason))

    @strawberry.mutation(
        description="Put the agent's in-progress task back to ready (Event RELEASED)."
    )
    async def cancel_agent_work(
        self, info: Info, name: str, reason: str | None = None
    ) -> Task | None:
        task = await agent_resolvers.cancel_agent_work(info, name, reason)
        return _task(task) if task is not None else None

    issue_viewer_token = strawberry.mutation(
        resolver=agent_resolvers.issue_viewer_token, description="A read-only token, shown once."
    )

    @strawberry.mutation(description="A named operator or viewer token for a person, shown once.")
    async def issue_token(
        self, info: Info, name: str, role: Role, expires_in_seconds: int | None = None
    ) -> IssuedToken:
        return _issued(await token_resolvers.issue_token(info, name, role, expires_in_seconds))

    @strawberry.mutation(
        description="Refuse a token from now on; its connections and board sessions end."
    )
    async def revoke_token(self, info: Info, id: int) -> TokenInfo:
        return TokenInfo.from_view(await token_resolvers.revoke_token(info, id))

    @strawberry.mutation(description="Revoke a token and issue its replacement, shown once.")
    async def rotate_token(self, info: Info, id: int) -> IssuedToken:
        return _issued(await token_resolvers.rotate_token(info, id))

    @strawberry.mutation(
        description="Make a task wait for another; refused when it would close a cycle."
    )
    async def add_dependency(self, info: Info, task_id: int, depends_on: int) -> Task:
        return _task(await planning.add_dependency(info, task_id, depends_on))

    @strawberry.mutation
    async def remove_dependency(self, info: Info, task_id: int, depends_on: int) -> Task:
        return _task(await planning.remove_dependency(info, task_id, depends_on))

    @strawberry.mutation(
        description="Split a task into subtasks; with preview, only return the proposal."
    )
    async def decompose_task(self, info: Info, id: int, preview: bool = False) -> Decomposition:
        return _decomposition(await planning.decompose_task(info, id, preview))

    @strawberry.mutation(
        description="The holder's attempt failed or timed out: retried later, or blocked at "
        "the last attempt (Event ATTEMPT_FAILED)."
    )
    async def fail_attempt(self, info: Info, id: int, error: str, timed_out: bool = False) -> Task:
        return _task(await supervision.fail_attempt(info, id, error, timed_out))

    @strawberry.mutation(
        description="Set a task's own max attempts, max run time and retry backoff."
    )
    async def set_task_limits(
        self,
        info: Info,
        id: int,
        max_attempts: int | None = None,
        max_run_seconds: int | None = None,
        retry_backoff_seconds: int | None = None,
    ) -> Task:
        overrides = LimitOverrides(max_attempts, max_run_seconds, retry_backoff_seconds)
        return _task(await supervision.set_task_limits(info, id, overrides))

    @strawberry.mutation(
        description="Create the subtasks of a (possibly edited) proposal in one change."
    )
    async def accept_decomposition(
        self, info: Info, id: int, subtasks: list[SubtaskInput]
    ) -> Decomposition:
        proposal = [item.to_data() for item in subtasks]
        return _decomposition(await planning.accept_decomposition(info, id, proposal))

    @strawberry.mutation(
        description="(Operator) Send matching Events to a URL, signed per Standard Webhooks."
    )
    async def register_webhook(
        self,
        info: Info,
        url: str,
        kinds: list[EventKind] | None = None,
        statuses: list[TaskStatus] | None = None,
        agent: str | None = None,
    ) -> WebhookRegistration:
        view, secret = await webhook_resolvers.register_webhook(info, url, kinds, statuses, agent)
        return WebhookRegistration(webhook=Webhook.from_view(view), secret=secret)

    replay_webhook_deliveries = strawberry.mutation(
        resolver=webhook_resolvers.replay_webhook_deliveries,
        description="(Operator) Send the named deliveries again, or every failed one.",
    )
    remove_webhook = strawberry.mutation(resolver=webhook_resolvers.remove_webhook)
