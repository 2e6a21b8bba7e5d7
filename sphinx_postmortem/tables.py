"""``action-table`` and ``incident-table``: every matching record in the project.

A table's options are read and checked once, when its page is parsed, into a
:class:`Query` of plain data. The page keeps a placeholder; when the page is
written the query runs over the current records (one pass to filter, one sort),
so the table is right after any build. Pages holding a table are rewritten
whenever any record changes (see ``PostmortemDomain.pages_to_rewrite``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from .action import overdue_label, tracker_link
from .config import ACTION_STATUSES, INCIDENT_STATUSES, OPEN_STATUSES, Settings
from .diagnostics import at, warn
from .domain import get_domain
from .fields import FieldError, parse_date, parse_list
from .records import Action, Incident
from .render import Placeholder, RenderContext, format_duration, register_placeholder, table

if TYPE_CHECKING:
    from sphinx.application import Sphinx


@dataclass
class Query:
    """A table's filters, sort and columns, as checked plain data."""

    #: field name -> accepted values (a record matches any of them)
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    since: dt.date | None = None
    until: dt.date | None = None
    overdue: bool = False
    #: (column, descending), most significant first
    sort: list[tuple[str, bool]] = field(default_factory=list)
    columns: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"{name} {', '.join(values)}" for name, values in self.filters.items()]
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        if self.overdue:
            parts.append("overdue")
        return "; ".join(parts)


class TableDirective(SphinxDirective):
    """Reads the options every table shares; subclasses name their columns."""

    kind: ClassVar[str]
    columns: ClassVar[dict[str, str]]
    default_columns: ClassVar[tuple[str, ...]]
    default_sort: ClassVar[str]
    placeholder: ClassVar[type[Placeholder]]

    def warn(self, message: str) -> None:
        source, line = self.get_source_info()
        warn("table", f"{self.name}: {message}", at(source, line, self.env.docname))

    def choices(self, name: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
        values = parse_list(self.options.get(name) or "")
        good = tuple(v for v in values if v in allowed)
        for bad in dict.fromkeys(v for v in values if v not in allowed):
            self.warn(f":{name}: {bad!r} is not one of {', '.join(allowed)}")
        return good or None

    def free(self, name: str) -> tuple[str, ...] | None:
        return parse_list(self.options.get(name) or "") or None

    def date(self, name: str) -> dt.date | None:
        raw = self.options.get(name)
        if not raw:
            return None
        try:
            return parse_date(raw)
        except FieldError as exc:
            self.warn(f":{name}: {exc}")
            return None

    def read_columns(self) -> tuple[str, ...]:
        return self.choices("columns", tuple(self.columns)) or self.default_columns

    def read_sort(self) -> list[tuple[str, bool]]:
        keys = []
        for key in parse_list(self.options.get("sort") or self.default_sort):
            name = key.lstrip("-+")
            if name in self.columns:
                keys.append((name, key.startswith("-")))
            else:
                self.warn(f":sort: {name!r} is not one of {', '.join(self.columns)}")
        return keys or [(self.default_sort.lstrip("-"), self.default_sort.startswith("-"))]

    def query(self, settings: Settings) -> Query:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        query = self.query(Settings.of(self.config))
        tables = get_domain(self.env).tables
        tables[self.env.docname] = tables.get(self.env.docname, 0) + 1
        node = self.placeholder(query=query)
        self.set_source_info(node)
        return [node]


class ActionTableDirective(TableDirective):
    kind = "action"
    option_spec: ClassVar[dict[str, Any]] = {
        **dict.fromkeys(
            ("status", "owner", "incident", "severity", "type", "priority", "sort", "columns"),
            directives.unchanged,
        ),
        "overdue": directives.flag,
    }
    columns: ClassVar[dict[str, str]] = {
        "id": "Id",
        "action": "Action",
        "owner": "Owner",
        "due": "Due",
        "status": "Status",
        "priority": "Priority",
        "type": "Type",
        "incident": "Incident",
        "severity": "Severity",
        "tracker": "Tracker",
    }
    default_columns = ("id", "action", "owner", "due", "status", "priority", "incident")
    default_sort = "due"

    def query(self, settings: Settings) -> Query:
        query = Query(overdue="overdue" in self.options)
        status = self.options.get("status")
        if status is None or status.strip() != "all":
            query.filters["status"] = self.choices("status", ACTION_STATUSES) or OPEN_STATUSES
        for name, allowed in (
            ("severity", settings.severities),
            ("type", settings.action_types),
            ("priority", settings.priorities),
        ):
            if values := self.choices(name, allowed):
                query.filters[name] = values
        for name in ("owner", "incident"):
            if values := self.free(name):
                query.filters[name] = values
        query.sort, query.columns = self.read_sort(), self.read_columns()
        return query


class IncidentTableDirective(TableDirective):
    kind = "incident"
    option_spec: ClassVar[dict[str, Any]] = dict.fromkeys(
        ("severity", "status", "service", "tag", "since", "until", "sort", "columns"),
        directives.unchanged,
    )
    columns: ClassVar[dict[str, str]] = {
        "id": "Id",
        "title": "Title",
        "date": "Date",
        "severity": "Severity",
        "status": "Status",
        "owner": "Owner",
        "services": "Services",
        "ttd": "Time to detect",
        "ttm": "Time to mitigate",
        "ttr": "Time to resolve",
        "open-actions": "Open actions",
    }
    default_columns = ("id", "title", "date", "severity", "status", "ttr", "open-actions")
    default_sort = "-date"

    def query(self, settings: Settings) -> Query:
        query = Query(since=self.date("since"), until=self.date("until"))
        if query.since and query.until and query.since > query.until:
            self.warn(":since: is after :until:, so no incident can match")
        for name, allowed in (("severity", settings.severities), ("status", INCIDENT_STATUSES)):
            if values := self.choices(name, allowed):
                query.filters[name] = values
        for name in ("service", "tag"):
            if values := self.free(name):
                query.filters[name] = values
        query.sort, query.columns = self.read_sort(), self.read_columns()
        return query


# -- running a query -------------------------------------------------------------

_LAST = (1, "")  # sorts after every present value, in either direction


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return _LAST
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, value)


def sort_records(
    records: list[Any], keys: list[tuple[str, bool]], value: Callable[[Any, str], Any]
) -> list[Any]:
    """Stable sorts, least significant key first; missing values always last."""
    for name, descending in reversed(keys):
        keyed = [(_sort_key(value(record, name)), record) for record in records]
        present = [pair for pair in keyed if pair[0] is not _LAST]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        records = [r for _, r in present] + [r for k, r in keyed if k is _LAST]
    return records


def _rank(order: Sequence[str]) -> Callable[[str | None], int | None]:
    ranks = {name: i for i, name in enumerate(order)}
    return lambda name: ranks.get(name) if name is not None else None


class ActionTable(Placeholder):
    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        query: Query = self["query"]
        severity_rank, priority_rank = (
            _rank(ctx.settings.severities),
            _rank(ctx.settings.priorities),
        )

        def field_value(action: Action, name: str) -> Any:
            if name == "severity":
                incident = ctx.domain.incident(action.incident) if action.incident else None
                return incident.severity if incident else None
            if name == "action":
                return action.title
            return getattr(action, name)

        def sort_value(action: Action, name: str) -> Any:
            value = field_value(action, name)
            if name == "severity":
                return severity_rank(value)
            if name == "priority":
                return priority_rank(value)
            return value

        def matches(action: Action) -> bool:
            if query.overdue and not action.is_overdue(ctx.today):
                return False
            return all(field_value(action, n) in vs for n, vs in query.filters.items())

        found = sort_records(
            [a for a in ctx.domain.all_actions() if matches(a)], query.sort, sort_value
        )
        if not found:
            return [_nothing("actions", query)]
        rows = []
        for action in found:
            overdue = action.is_overdue(ctx.today)
            cells = [self.cell(ctx, action, name, overdue) for name in query.columns]
            rows.append((cells, ["pm-overdue"] if overdue else []))
        headers = [ActionTableDirective.columns[c] for c in query.columns]
        return [table(headers, rows, ["pm-action-table"], columns=query.columns)]

    @staticmethod
    def cell(ctx: RenderContext, action: Action, name: str, overdue: bool) -> nodes.Node | str:
        if name in ("id", "action"):
            shown = action.id if name == "id" else action.title
            return ctx.link(action.docname, action.anchor, nodes.inline("", shown or "—"))
        if name == "due":
            para = nodes.inline("", action.due.isoformat() if action.due else "")
            if overdue:
                para += nodes.Text(" ")
                para += overdue_label()
            return para
        incident = ctx.domain.incident(action.incident) if action.incident else None
        if name == "incident":
            if incident is None:
                return action.incident or ""
            return ctx.link(incident.docname, incident.anchor, nodes.inline("", incident.id))
        if name == "severity":
            return (incident.severity or "") if incident else ""
        if name == "tracker":
            return tracker_link(action) or ""
        return str(getattr(action, name) or "")


class IncidentTable(Placeholder):
    @staticmethod
    def matches(query: Query, incident: Incident) -> bool:
        if query.since and (incident.date is None or incident.date < query.since):
            return False
        if query.until and (incident.date is None or incident.date > query.until):
            return False
        for name, values in query.filters.items():
            if name == "service":
                if not set(values) & set(incident.services):
                    return False
            elif name == "tag":
                if not set(values) & set(incident.tags):
                    return False
            elif getattr(incident, name) not in values:
                return False
        return True

    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        query: Query = self["query"]
        open_actions = Counter(a.incident for a in ctx.domain.all_actions() if a.is_open)
        severity_rank = _rank(ctx.settings.severities)
        durations = {"ttd": "detected", "ttm": "mitigated", "ttr": "resolved"}

        def sort_value(incident: Incident, name: str) -> Any:
            if name in durations:
                return incident.duration(durations[name])
            if name == "severity":
                return severity_rank(incident.severity)
            if name == "open-actions":
                return open_actions[incident.id]
            if name == "services":
                return ", ".join(incident.services)
            return getattr(incident, name)

        found = sort_records(
            [i for i in ctx.domain.all_incidents() if self.matches(query, i)],
            query.sort,
            sort_value,
        )
        if not found:
            return [_nothing("incidents", query)]
        rows: list[tuple[list[nodes.Node | str], list[str]]] = []
        for incident in found:
            cells: list[nodes.Node | str] = []
            for name in query.columns:
                if name == "id":
                    link = nodes.inline("", incident.id)
                    cells.append(ctx.link(incident.docname, incident.anchor, link))
                elif name in durations:
                    cells.append(format_duration(incident.duration(durations[name])))
                elif name == "open-actions":
                    cells.append(str(open_actions[incident.id]))
                elif name == "date":
                    cells.append(incident.date.isoformat() if incident.date else "")
                elif name == "services":
                    cells.append(", ".join(incident.services))
                else:
                    cells.append(str(getattr(incident, name) or ""))
            rows.append((cells, []))
        headers = [IncidentTableDirective.columns[c] for c in query.columns]
        return [table(headers, rows, ["pm-incident-table"], columns=query.columns)]


def _nothing(what: str, query: Query) -> nodes.paragraph:
    described = query.describe()
    sentence = f"No {what} match" + (f" ({described})." if described else ".")
    return nodes.paragraph(sentence, sentence, classes=["pm-empty"])


ActionTableDirective.placeholder = ActionTable
IncidentTableDirective.placeholder = IncidentTable


def setup_tables(app: Sphinx) -> None:
    register_placeholder(app, ActionTable)
    register_placeholder(app, IncidentTable)
    app.add_directive("action-table", ActionTableDirective)
    app.add_directive("incident-table", IncidentTableDirective)
