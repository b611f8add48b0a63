"""The runner's usage reports: each USAGE line of the command is sent to the server at once."""

from __future__ import annotations

import logging

from mission_control.client.generated.operations import Operations
from mission_control.client.transport import ServerRefused, ServerUnreachable
from mission_control.client.work import UsageLine

log = logging.getLogger("mission_control.runner")


async def send_usage(ops: Operations, task_id: int, usage: UsageLine) -> None:
    """Report one USAGE line; a refusal or an absent server is logged, the work goes on."""
    payload = {"tokens": usage.tokens, "costUsd": usage.cost_usd, "model": usage.model}
    try:
        await ops.runner_report_usage(task_id, {k: v for k, v in payload.items() if v is not None})
        log.info("task #%s: usage %s tokens reported", task_id, usage.tokens)
    except (ServerRefused, ServerUnreachable) as error:
        log.warning("task #%s: usage of %s tokens not counted: %s", task_id, usage.tokens, error)
