"""``incident-metrics``: how the team is doing, in numbers and charts.

It takes the filters of ``incident-table`` and shows counts by severity and
period, mean and median times to detect, mitigate and resolve, the state of
the actions and their burn-down. The numbers are computed from the records
when the page is written; charts are static SVG (HTML only), and every chart's
numbers are also a table, so text and LaTeX output keep them.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes

from . import charts
from .directive import Field, PostmortemDirective
from .fields import parse_choice
from .query import (
    INCIDENT_COLUMNS,
    INCIDENT_FILTER_FIELDS,
    INCIDENT_FILTERS,
    Query,
    QueryDirective,
)
from .records import DURATIONS, Action, Incident
from .render import Placeholder, RenderContext, format_duration, register_placeholder, table

if TYPE_CHECKING:
    from sphinx.application import Sphinx

PERIODS = ("month", "quarter")


def period_of(day: dt.date, period: str) -> str:
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def periods_between(first: dt.date, last: dt.date, period: str) -> list[str]:
    """Every period from the first date's to the last date's, gaps included."""
    step = 3 if period == "quarter" else 1
    year, month = first.year, first.month - (first.month - 1) % step
    out = []
    while (year, month) <= (last.year, last.month):
        out.append(period_of(dt.date(year, month, 1), period))
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return out


@dataclass(frozen=True)
class Stat:
    count: int
    mean: float | None  # seconds
    median: float | None


def stat(values: Iterable[float]) -> Stat:
    data = list(values)
    if not data:
        return Stat(0, None, None)
    return Stat(len(data), statistics.fmean(data), statistics.median(data))


@dataclass
class Metrics:
    periods: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    #: period -> severity -> incidents
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    #: period -> median time to resolve (seconds), for periods with resolved incidents
    ttr_by_period: dict[str, float] = field(default_factory=dict)
    #: scope ("all" or a severity) -> measure -> Stat
    durations: dict[str, dict[str, Stat]] = field(default_factory=dict)
    #: scope -> incidents in it
    sizes: Counter[str] = field(default_factory=Counter)
    #: open, overdue, done, wont-do, done-undated
    actions: Counter[str] = field(default_factory=Counter)
    #: period -> (created so far, completed so far)
    burndown: dict[str, tuple[int, int]] = field(default_factory=dict)


def compute(
    incidents: Sequence[Incident],
    actions: Sequence[Action],
    severities: Sequence[str],
    period: str,
    today: dt.date,
) -> Metrics:
    """The numbers behind every table and chart; linear in the records."""
    metrics = Metrics(severities=list(severities))
    dated = [i for i in incidents if i.date is not None]
    by_id = {i.id: i for i in incidents}
    mine = [a for a in actions if a.incident in by_id]
    completed = [a.completed for a in mine if a.status == "done" and a.completed]
    days = [i.date for i in dated if i.date] + completed
    if days:
        metrics.periods = periods_between(min(days), max(days), period)
    metrics.counts = {p: Counter() for p in metrics.periods}
    resolve_times: dict[str, list[float]] = {}
    for incident in dated:
        assert incident.date is not None
        key = period_of(incident.date, period)
        metrics.counts[key][incident.severity or "unknown"] += 1
        if (ttr := incident.ttr) is not None:
            resolve_times.setdefault(key, []).append(ttr.total_seconds())
    metrics.ttr_by_period = {p: statistics.median(v) for p, v in sorted(resolve_times.items())}
    scopes: dict[str, list[Incident]] = {"all": list(incidents)}
    for incident in incidents:
        scopes.setdefault(incident.severity or "unknown", []).append(incident)
    for scope, members in scopes.items():
        metrics.sizes[scope] = len(members)
        metrics.durations[scope] = {
            d.key: stat(
                t.total_seconds() for i in members if (t := i.duration(d.milestone)) is not None
            )
            for d in DURATIONS
        }
    for action in mine:
        if action.is_overdue(today):
            metrics.actions["overdue"] += 1
        if action.is_open:
            metrics.actions["open"] += 1
        else:
            metrics.actions[action.status] += 1
            if action.status == "done" and action.completed is None:
                metrics.actions["done-undated"] += 1
    created = Counter(
        period_of(day, period) for a in mine if (day := by_id[a.incident or ""].date) is not None
    )
    closed = Counter(period_of(d, period) for d in completed)
    made = done = 0
    for key in metrics.periods:
        made, done = made + created[key], done + closed[key]
        metrics.burndown[key] = (made, done)
    return metrics


class IncidentMetrics(Placeholder):
    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        query: Query = self["query"]
        period: str = self["period"]
        incidents = query.run(ctx.domain.all_incidents(), INCIDENT_COLUMNS, ctx)
        severities = list(ctx.settings.severities)
        metrics = compute(incidents, ctx.domain.all_actions(), severities, period, ctx.today)
        block = nodes.container(classes=["pm-metrics"])
        if not incidents:
            text = "No incidents match" + (f" ({query.describe()})." if query.describe() else ".")
            block += nodes.paragraph(text, text, classes=["pm-empty"])
            return [block]
        block += counts_part(metrics, period)
        block += durations_part(metrics)
        block += actions_part(metrics, period)
        return [block]


# -- the directive ---------------------------------------------------------------------


def _period(value: str, directive: PostmortemDirective) -> str:
    return parse_choice(value, PERIODS)


class IncidentMetricsDirective(QueryDirective):
    """The filters of ``incident-table``, and ``:period: month`` or ``quarter``."""

    placeholder = IncidentMetrics
    columns = INCIDENT_COLUMNS
    filters: ClassVar[dict[str, str]] = INCIDENT_FILTERS
    fields: ClassVar[tuple[Field, ...]] = (
        *INCIDENT_FILTER_FIELDS,
        Field(
            "period", "month or quarter: the period counts are grouped by", _period, default="month"
        ),
    )

    def run(self) -> list[nodes.Node]:
        [node] = super().run()
        assert isinstance(node, nodes.Element)
        node["period"] = self.values["period"]
        return [node]


def _rubric(text: str) -> nodes.rubric:
    return nodes.rubric(text, text)


def _html(svg: str) -> nodes.raw:
    return nodes.raw("", svg, format="html", classes=["pm-chart-figure"])


def _hours(seconds: float | None) -> float:
    return round((seconds or 0) / 3600, 1)


def severity_series(metrics: Metrics) -> list[charts.Series]:
    known = [*metrics.severities]
    if any(c["unknown"] for c in metrics.counts.values()):
        known.append("unknown")
    return [
        charts.Series(sev, [metrics.counts[p][sev] for p in metrics.periods], f"pm-sev-{i}")
        for i, sev in enumerate(known)
    ]


def counts_part(metrics: Metrics, period: str) -> list[nodes.Node]:
    series = severity_series(metrics)
    title = f"Incidents per {period}, by severity"
    rows: list[tuple[list[nodes.Node | str], list[str]]] = []
    for key in metrics.periods:
        counts = metrics.counts[key]
        ttr = metrics.ttr_by_period.get(key)
        cells: list[nodes.Node | str] = [key, *(str(counts[s.name]) for s in series)]
        cells += [str(sum(counts.values())), format_duration(_delta(ttr))]
        rows.append((cells, []))
    headers = [period.capitalize(), *(s.name for s in series), "Total", "Median time to resolve"]
    trend = [(p, _hours(v)) for p, v in metrics.ttr_by_period.items()]
    parts: list[nodes.Node] = [
        _rubric(title),
        _html(charts.stacked_bars(title, metrics.periods, series)),
    ]
    if trend:
        parts.append(_rubric(f"Median time to resolve per {period}"))
        parts.append(
            _html(
                charts.lines(
                    f"Median time to resolve per {period}, in hours",
                    [p for p, _ in trend],
                    [charts.Series("median time to resolve", [v for _, v in trend], "pm-sev-1")],
                    unit=" h",
                )
            )
        )
    parts.append(table(headers, rows, ["pm-metrics-table"]))
    return parts


def _delta(seconds: float | None) -> dt.timedelta | None:
    return None if seconds is None else dt.timedelta(seconds=round(seconds))


def durations_part(metrics: Metrics) -> list[nodes.Node]:
    headers = ["Severity", "Incidents"]
    for d in DURATIONS:
        headers += [f"Mean {d.name}", f"Median {d.name}"]
    rows: list[tuple[list[nodes.Node | str], list[str]]] = []
    scopes = ["all", *(s for s in [*metrics.severities, "unknown"] if s in metrics.durations)]
    for scope in scopes:
        stats = metrics.durations[scope]
        cells: list[nodes.Node | str] = ["All" if scope == "all" else scope]
        cells.append(str(metrics.sizes[scope]))
        for d in DURATIONS:
            cells += [
                format_duration(_delta(stats[d.key].mean)),
                format_duration(_delta(stats[d.key].median)),
            ]
        rows.append((cells, []))
    return [
        _rubric("Time to detect, mitigate and resolve"),
        table(headers, rows, ["pm-metrics-table"]),
    ]


def actions_part(metrics: Metrics, period: str) -> list[nodes.Node]:
    counts = metrics.actions
    headers = ["Open", "Overdue", "Done", "Won't do"]
    row: list[nodes.Node | str] = [
        str(counts["open"]),
        str(counts["overdue"]),
        str(counts["done"]),
        str(counts["wont-do"]),
    ]
    parts: list[nodes.Node] = [
        _rubric("Actions"),
        table(headers, [(row, [])], ["pm-metrics-table"]),
    ]
    title = f"Action burn-down per {period}: created and completed, so far"
    created = [metrics.burndown[p][0] for p in metrics.periods]
    completed = [metrics.burndown[p][1] for p in metrics.periods]
    parts.append(_rubric(title))
    parts.append(
        _html(
            charts.lines(
                title,
                metrics.periods,
                [
                    charts.Series("created", created, "pm-sev-0"),
                    charts.Series("completed", completed, "pm-sev-3"),
                ],
            )
        )
    )
    rows: list[tuple[list[nodes.Node | str], list[str]]] = [
        ([p, str(made), str(done), str(made - done)], [])
        for p, (made, done) in metrics.burndown.items()
    ]
    parts.append(
        table(
            [period.capitalize(), "Created", "Completed", "Not completed"],
            rows,
            ["pm-metrics-table"],
        )
    )
    if counts["done-undated"]:
        note = (
            f"{counts['done-undated']} done action(s) give no :completed: date and are "
            "not in the burn-down's completed line."
        )
        parts.append(nodes.paragraph(note, note, classes=["pm-note"]))
    return parts


def setup_metrics(app: Sphinx) -> None:
    register_placeholder(app, IncidentMetrics)
    app.add_directive("incident-metrics", IncidentMetricsDirective)
