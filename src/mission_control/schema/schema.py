"""The assembled schema: root types wired to the resolvers, plus the protective extensions."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from mission_control.resolvers import agents as agent_resolvers
from mission_control.resolvers import mutations, planning, queries, subscriptions, supervision
from mission_control.resolvers import tokens as token_resolvers
from mission_control.resolvers import usage as usage_resolvers
from mission_control.resolvers import webhooks as webhook_resolvers
from mission_control.schema.cost import QueryCost, ValidQueries
from mission_control.schema.errors import ErrorCodes, MissionControlSchema
from mission_control.schema.execution import SubscriptionExecutor
from mission_control.schema.usage import SCALARS
from mission_control.settings import Settings


@strawberry.type
class Query:
    task = strawberry.field(resolver=queries.task)
    tasks = strawberry.field(resolver=queries.tasks, description="Tasks newest first, paged.")
    board = strawberry.field(resolver=queries.board)
    task_history = strawberry.field(resolver=queries.task_history)
    events = strawberry.field(resolver=queries.events, description="The audit log after an id.")
    me = strawberry.field(resolver=queries.me, description="Who the token belongs to.")
    agents = strawberry.field(
        resolver=agent_resolvers.list_agents, description="Every agent by name."
    )
    agent = strawberry.field(resolver=agent_resolvers.agent)
    approvals = strawberry.field(
        resolver=agent_resolvers.list_approvals, description="Pickup requests (pending by default)."
    )
    autonomy = strawberry.field(resolver=agent_resolvers.autonomy)
    usage = strawberry.field(
        resolver=usage_resolvers.usage_totals,
        description="Usage totals over the UTC days from `since` to `until`, grouped by the keys "
        "in `groupBy` (none: one total), most tokens first.",
    )
    tokens = strawberry.field(
        resolver=token_resolvers.list_tokens, description="Tokens (operator only); no secrets."
    )
    webhooks = strawberry.field(
        resolver=webhook_resolvers.webhooks_list,
        description="(Operator) Outbound webhooks and health.",
    )
    webhook_deliveries = strawberry.field(
        resolver=webhook_resolvers.webhook_deliveries,
        description="(Operator) A webhook's deliveries.",
    )


@strawberry.type
class Mutation:
    create_task = strawberry.mutation(resolver=mutations.create_task)
    update_task = strawberry.mutation(resolver=mutations.update_task)
    transition_task = strawberry.mutation(
        resolver=mutations.transition_task,
        description="Move a task to a status by whichever move the workflow allows.",
    )
    block_task = strawberry.mutation(resolver=mutations.block_task)
    unblock_task = strawberry.mutation(resolver=mutations.unblock_task)
    claim_task = strawberry.mutation(resolver=mutations.claim_task)
    claim_next_task = strawberry.mutation(
        resolver=mutations.claim_next_task,
        description="Claim the most urgent, oldest ready task for the calling agent.",
    )
    report_progress = strawberry.mutation(resolver=mutations.report_progress)
    submit_for_review = strawberry.mutation(resolver=mutations.submit_for_review)
    report_usage = strawberry.mutation(
        resolver=usage_resolvers.report_usage,
        description="The holder reports tokens and dollars spent on its task.",
    )
    set_agent_budget = strawberry.mutation(
        resolver=usage_resolvers.set_agent_budget,
        description="Set an agent's daily budget; an argument left out is unchanged, null "
        "means no limit. Raising it resumes an agent its budget paused.",
    )
    approve_task = strawberry.mutation(resolver=mutations.approve_task)
    reject_task = strawberry.mutation(resolver=mutations.reject_task)
    cancel_task = strawberry.mutation(resolver=mutations.cancel_task)
    release_task = strawberry.mutation(resolver=mutations.release_task)
    reopen_task = strawberry.mutation(
        resolver=mutations.reopen_task,
        description="(Operator) Take a done or cancelled task up again: to READY when it has "
        "a title, description and priority, else to INTAKE (Event REOPENED).",
    )
    add_comment = strawberry.mutation(
        resolver=mutations.add_comment,
        description="Comment on a task (Event COMMENTED): the operator on any task, an agent "
        "on a task it holds or is assigned.",
    )
    assign_task = strawberry.mutation(resolver=mutations.assign_task)
    register_agent = strawberry.mutation(resolver=mutations.register_agent)
    heartbeat = strawberry.mutation(
        resolver=agent_resolvers.heartbeat,
        description="The calling agent is alive; renews the lease of the task it holds.",
    )
    report_output = strawberry.mutation(
        resolver=agent_resolvers.report_output,
        description="The holder's command printed these new lines on its task (at most 8,000 "
        "characters); the server keeps the last 200 lines as the agent's outputTail.",
    )
    pause_agent = strawberry.mutation(resolver=agent_resolvers.pause_agent)
    resume_agent = strawberry.mutation(resolver=agent_resolvers.resume_agent)
    set_autonomy = strawberry.mutation(resolver=agent_resolvers.set_autonomy)
    decide_approval = strawberry.mutation(resolver=agent_resolvers.decide_approval)
    cancel_agent_work = strawberry.mutation(
        resolver=agent_resolvers.cancel_agent_work,
        description="Put the agent's in-progress task back to ready (Event RELEASED).",
    )
    issue_viewer_token = strawberry.mutation(
        resolver=agent_resolvers.issue_viewer_token, description="A read-only token, shown once."
    )
    issue_token = strawberry.mutation(
        resolver=token_resolvers.issue_token,
        description="A named operator or viewer token for a person, shown once.",
    )
    revoke_token = strawberry.mutation(
        resolver=token_resolvers.revoke_token,
        description="Refuse a token from now on; its connections and board sessions end.",
    )
    rotate_token = strawberry.mutation(
        resolver=token_resolvers.rotate_token,
        description="Revoke a token and issue its replacement, shown once.",
    )
    add_dependency = strawberry.mutation(
        resolver=planning.add_dependency,
        description="Make a task wait for another; refused when it would close a cycle.",
    )
    remove_dependency = strawberry.mutation(resolver=planning.remove_dependency)
    decompose_task = strawberry.mutation(
        resolver=planning.decompose_task,
        description="Split a task into subtasks; with preview, only return the proposal.",
    )
    fail_attempt = strawberry.mutation(
        resolver=supervision.fail_attempt,
        description="The holder's attempt failed or timed out: retried later, or blocked at "
        "the last attempt (Event ATTEMPT_FAILED).",
    )
    set_task_limits = strawberry.mutation(
        resolver=supervision.set_task_limits,
        description="Set a task's own max attempts, max run time and retry backoff.",
    )
    accept_decomposition = strawberry.mutation(
        resolver=planning.accept_decomposition,
        description="Create the subtasks of a (possibly edited) proposal in one change.",
    )
    register_webhook = strawberry.mutation(
        resolver=webhook_resolvers.register_webhook,
        description="(Operator) Send matching Events to a URL, signed per Standard Webhooks.",
    )
    replay_webhook_deliveries = strawberry.mutation(
        resolver=webhook_resolvers.replay_webhook_deliveries,
        description="(Operator) Send the named deliveries again, or every failed one.",
    )
    remove_webhook = strawberry.mutation(resolver=webhook_resolvers.remove_webhook)


@strawberry.type
class Subscription:
    events = strawberry.subscription(
        resolver=subscriptions.events,
        description="Events after `since` (replayed), then live ones, in id order.",
    )
    agent_activity = strawberry.subscription(
        resolver=agent_resolvers.agent_activity,
        description="Live activity messages of one agent (or all): started, progress, ...",
    )


# Distinct query texts known to be valid (agents and clients send a few dozen). Parsing is
# not cached: it is a tenth of validation's cost, and a parse error must stay coded.
DOCUMENTS_KEPT = 256


def build_schema(settings: Settings) -> MissionControlSchema:
    """The schema with query depth, alias and size limits from the settings."""
    valid = ValidQueries(maxsize=DOCUMENTS_KEPT)
    schema = MissionControlSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SubscriptionExecutor,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            ErrorCodes,
            # Factories, not instances: strawberry builds a fresh extension per request.
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            # Last: it runs validation with the rules the limiters above added (once per query
            # text, see ValidQueries), then the budget.
            lambda: QueryCost(max_cost=settings.max_query_cost, valid=valid),
        ],
    )
    schema.valid_queries = valid  # the tests read how many documents were validated
    return schema
