"""The page at `/charts`: how the work is going over the last days, redrawn live.

The figures come from services/flow.py (the same ones /metrics serves). A status move, a lease
expiry or a failed attempt recomputes them, at most once per REFRESH_SECONDS however many
Events arrive: each recomputation is a few grouped queries, not a walk over the tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from nicegui import ui
from starlette.responses import RedirectResponse

from mission_control.domain.events import EventFilter, EventRecord, Position
from mission_control.domain.usage import day_of
from mission_control.domain.workflow import BOARD_ORDER
from mission_control.runtime import Runtime
from mission_control.services import flow
from mission_control.ui.live import LiveFeed
from mission_control.ui.session import Session, header, open_session, to_login

REFRESH_SECONDS = 2.0
WINDOWS = {7: "7 days", 14: "14 days", 30: "30 days"}
STATUS_COLOURS = {
    "intake": "#94a3b8",
    "ready": "#3b82f6",
    "in_progress": "#f59e0b",
    "review": "#a855f7",
    "blocked": "#ef4444",
    "done": "#22c55e",
    "cancelled": "#64748b",
}


def _base(days: Sequence[str]) -> dict[str, Any]:
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 28, "containLabel": True},
        "xAxis": {"type": "category", "data": list(days)},
        "yAxis": {"type": "value", "minInterval": 1},
    }


def cumulative_options(report: flow.FlowReport) -> dict[str, Any]:
    """Stacked areas, one per status, oldest day first."""
    days = [day.isoformat()[5:] for day in report.days]
    options = _base(days)
    options["xAxis"]["boundaryGap"] = False
    options["series"] = [
        {
            "name": str(status),
            "type": "line",
            "stack": "tasks",
            "areaStyle": {},
            "symbol": "none",
            "color": STATUS_COLOURS[str(status)],
            "data": list(report.cumulative[status]),
        }
        for status in reversed(BOARD_ORDER)  # done at the bottom, intake on top
    ]
    return options


def per_day_options(report: flow.FlowReport, series: dict[str, Sequence[int]]) -> dict[str, Any]:
    options = _base([day.isoformat()[5:] for day in report.days])
    options["series"] = [
        {"name": name, "type": "bar", "data": list(values)} for name, values in series.items()
    ]
    return options


def cycle_options(times: Sequence[flow.CycleTime]) -> dict[str, Any]:
    """Mean time from claim to done, one bar per agent or tag (with how many were done);
    in minutes while every mean is under two hours, in hours beyond."""
    longest = max((item.mean_seconds for item in times), default=0.0)
    unit, seconds = ("h", 3600) if longest >= 7200 else ("min", 60)
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "axisLabel": {"formatter": f"{{value}} {unit}"}},
        "yAxis": {"type": "category", "data": [f"{item.name} ({item.done})" for item in times]},
        "series": [
            {
                "type": "bar",
                "name": f"mean {unit}",
                "data": [round(item.mean_seconds / seconds, 1) for item in times],
                "label": {"show": True, "position": "right", "formatter": f"{{c}} {unit}"},
            }
        ],
    }


class SharedFigures:
    """One computation of the figures per (window, Event cursor, day) for every charts page of
    this process: ten open pages cost one set of queries per change, not ten."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], tuple[tuple[Position, date], flow.FlowReport]] = {}
        self.computations = 0

    async def report(self, runtime: Runtime, days: int) -> flow.FlowReport:
        # Every change is an Event, so an unchanged cursor (read before computing) means
        # unchanged figures; a later Event moves the cursor and the next call recomputes.
        key = (id(runtime), days)
        stamp = (runtime.hub.cursor, day_of(runtime.ctx.clock()))
        cached = self._last.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        report = await flow.flow_report(runtime.ctx, days)
        self.computations += 1
        self._last[key] = (stamp, report)
        return report


FIGURES = SharedFigures()


class ChartsView:
    """The four panels; `load` recomputes the figures and updates the charts in place."""

    def __init__(self, session: Session, days: int = flow.DAYS_DEFAULT) -> None:
        self.session = session
        self.days = days
        self.report: flow.FlowReport | None = None
        self.charts: dict[str, ui.echart] = {}
        self.summary: ui.label | None = None

    def _panel(self, title: str, key: str) -> None:
        with ui.card().classes("w-full min-w-0"):
            ui.label(title).classes("text-base font-bold")
            chart = ui.echart({"series": []}).classes("w-full h-72").mark(f"chart-{key}")
            self.charts[key] = chart

    def build(self) -> None:
        with ui.row().classes("w-full items-center gap-4"):
            ui.toggle(WINDOWS, value=self.days, on_change=self._window).mark("chart-window")
            self.summary = ui.label("").classes("text-slate-600").mark("chart-summary")
        with ui.element("div").classes("grid grid-cols-1 xl:grid-cols-2 gap-4 w-full"):
            self._panel("Cumulative flow (tasks per status at the end of each day)", "flow")
            self._panel("Throughput (tasks done per day)", "throughput")
            self._panel("Cycle time per agent (claim → done)", "cycle-agent")
            self._panel("Cycle time per tag (claim → done)", "cycle-tag")
            self._panel("Lease expiries and failed attempts per day", "trouble")

    async def _window(self, event: Any) -> None:
        self.days = int(event.value)
        await self.load()

    async def load(self) -> None:
        async def act(_: object) -> flow.FlowReport:
            return await FIGURES.report(self.session.runtime, self.days)

        report = await self.session.run(act)
        if report is None:
            return
        self.report = report
        self._set("flow", cumulative_options(report))
        self._set("throughput", per_day_options(report, {"done": report.throughput}))
        self._set("cycle-agent", cycle_options(report.cycle_by_agent))
        self._set("cycle-tag", cycle_options(report.cycle_by_tag))
        self._set(
            "trouble",
            per_day_options(
                report,
                {"lease expiries": report.lease_expiries, "failed attempts": report.failures},
            ),
        )
        if self.summary is not None:
            self.summary.set_text(
                f"{sum(report.throughput)} done, {sum(report.lease_expiries)} lease expiries, "
                f"{sum(report.failures)} failed attempts in the last {len(report.days)} days"
            )

    def _set(self, key: str, options: dict[str, Any]) -> None:
        chart = self.charts[key]
        chart.options.clear()
        chart.options.update(options)
        chart.update()

    async def apply(self, events: list[EventRecord]) -> None:
        del events  # which Events does not matter: the figures are recomputed as a whole
        await self.load()


def register_charts(runtime: Runtime) -> None:
    @ui.page("/charts", title="Mission Control · charts")
    async def charts_page(days: int = flow.DAYS_DEFAULT) -> RedirectResponse | None:
        session = await open_session(runtime)
        if session is None:
            return to_login()
        header(session, "Charts")
        view = ChartsView(session, days if days in WINDOWS else flow.DAYS_DEFAULT)
        since = runtime.hub.cursor
        view.build()
        await view.load()
        feed = LiveFeed(
            runtime.hub,
            view.apply,
            since=since,
            event_filter=EventFilter(kinds=flow.CHANGES_FIGURES),
            interval=REFRESH_SECONDS,
        )
        feed.start()
        ui.context.client.on_delete(feed.stop)
        return None
