"""`/metrics`: the flow figures (services/flow.py) in Prometheus' text format.

Every figure is read from the database at scrape time, not counted in this process, so every
server process sharing one PostgreSQL answers the same numbers. Reading needs an operator token
as Bearer; MC_METRICS_PUBLIC=true lets anyone scrape (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mission_control.domain.actors import Role
from mission_control.domain.errors import MissionControlError
from mission_control.runtime import Runtime
from mission_control.services import flow
from mission_control.services.auth import authenticate

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Figures(Collector):
    """One scrape's figures, handed to prometheus-client to write out."""

    def __init__(self, figures: flow.Snapshot) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        figures = self.figures
        tasks = GaugeMetricFamily(
            "mission_control_tasks", "Tasks per status now.", labels=["status"]
        )
        for status, count in figures.tasks.items():
            tasks.add_metric([str(status)], count)
        agents = GaugeMetricFamily(
            "mission_control_agents", "Agents per status now.", labels=["status"]
        )
        for agent_status, count in figures.agents.items():
            agents.add_metric([str(agent_status)], count)
        yield tasks
        yield agents
        for name, text, value in (
            ("claims", "Tasks claimed by agents (CLAIMED Events).", figures.claims),
            ("tasks_done", "Tasks approved to done (APPROVED Events).", figures.done),
            ("lease_expiries", "Claims whose lease expired.", figures.lease_expiries),
            ("attempt_failures", "Attempts reported failed.", figures.failures),
        ):
            yield CounterMetricFamily(f"mission_control_{name}", text, value=value)
        cycle = GaugeMetricFamily(
            "mission_control_cycle_time_seconds",
            f"Mean claim-to-done time of the tasks done in the last {flow.CYCLE_DAYS_DEFAULT} "
            "days, per agent.",
            labels=["agent"],
        )
        for item in figures.cycle_by_agent:
            cycle.add_metric([item.name], item.mean_seconds)
        yield cycle


def render(figures: flow.Snapshot) -> bytes:
    """The figures in Prometheus' text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(figures))
    return generate_latest(registry)


def _refusal(status: int, message: str, code: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


async def metrics(runtime: Runtime, request: Request) -> Response:
    """Answer a scrape: operators (Bearer), or anyone when MC_METRICS_PUBLIC is set."""
    if not runtime.settings.metrics_public:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            actor = await authenticate(
                runtime.ctx, token.strip() if scheme.lower() == "bearer" else None
            )
        except MissionControlError as error:
            return _refusal(401, error.message, str(error.code))
        if actor.role is not Role.OPERATOR:
            return _refusal(
                403,
                "Only an operator token may read /metrics (or set MC_METRICS_PUBLIC).",
                "FORBIDDEN",
            )
    figures = await flow.snapshot(runtime.ctx)
    return Response(render(figures), media_type=CONTENT_TYPE)
