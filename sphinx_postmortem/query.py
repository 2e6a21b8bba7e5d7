"""What a table asks for: filters, sort and columns, and the one registry of columns.

A table's options are read and checked once, when its page is parsed, into a
:class:`Query` of plain data. When the page is written the query runs over the
current records (one pass to filter, one sort), so a table is right after any
build. :data:`ACTION_COLUMNS` and :data:`INCIDENT_COLUMNS` declare each column
once (header, value, sort key, cell, export key) for ``action-table``,
``incident-table``, ``incident-metrics`` and ``postmortem.json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from docutils import nodes

from .config import INCIDENT_STATUSES, Settings
from .directive import Field, PostmortemDirective, plain
from .domain import TableFilter, get_domain
from .fields import FieldError, parse_choice, parse_date, parse_list
from .records import DURATIONS, Action, Incident
from .render import (
    Placeholder,
    RenderContext,
    format_duration,
    overdue_label,
    table,
    tracker_link,
)

R = TypeVar("R", Action, Incident)
Cell = nodes.Node | str


def _shown(value: Any) -> str:
    """A value as a cell shows it: dates in ISO, lists joined, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column of a table: what it shows, how it sorts, what the export calls it."""

    name: str
    header: str
    #: the record's value, for filters, sorting and the export
    value: Callable[[R, RenderContext], Any]
    #: the value a sort compares, when it is not the value itself
    sort_key: Callable[[Any, RenderContext], Any] | None = None
    #: the cell, when it is more than the value as text
    cell: Callable[[R, RenderContext], Cell] | None = None
    #: the key of the value in postmortem.json; None when the export has it elsewhere
    export: str | None = None

    def sort_value(self, record: R, ctx: RenderContext) -> Any:
        value = self.value(record, ctx)
        return self.sort_key(value, ctx) if self.sort_key else value

    def draw(self, record: R, ctx: RenderContext) -> Cell:
        return self.cell(record, ctx) if self.cell else _shown(self.value(record, ctx))


def _attr(name: str) -> Callable[[Any, RenderContext], Any]:
    return lambda record, ctx: getattr(record, name)


def _rank(order: Callable[[Settings], Sequence[str]]) -> Callable[[Any, RenderContext], Any]:
    """Sorts names in the configured order (most severe or urgent first)."""
    return lambda value, ctx: (
        order(ctx.settings).index(value) if value in order(ctx.settings) else None
    )


def _joined(value: Any, ctx: RenderContext) -> str:
    return ", ".join(value)


def _severities(settings: Settings) -> Sequence[str]:
    return settings.severities


def _priorities(settings: Settings) -> Sequence[str]:
    return settings.priorities


def _incident_of(action: Action, ctx: RenderContext) -> Incident | None:
    return ctx.domain.incident(action.incident) if action.incident else None


def _severity_of(action: Action, ctx: RenderContext) -> str | None:
    incident = _incident_of(action, ctx)
    return incident.severity if incident else None


def _linked(record: Action | Incident, shown: str, ctx: RenderContext) -> Cell:
    return ctx.link(record.docname, record.anchor, nodes.Text(shown or "—"))


def _due_cell(action: Action, ctx: RenderContext) -> Cell:
    cell = nodes.inline("", action.due.isoformat() if action.due else "")
    if action.is_overdue(ctx.today):
        cell += nodes.Text(" ")
        cell += overdue_label()
    return cell


def _incident_cell(action: Action, ctx: RenderContext) -> Cell:
    incident = _incident_of(action, ctx)
    if incident is None:
        return action.incident or ""
    return _linked(incident, incident.id, ctx)


def _duration(milestone: str) -> Callable[[Incident, RenderContext], dt.timedelta | None]:
    return lambda incident, ctx: incident.duration(milestone)


def _duration_cell(milestone: str) -> Callable[[Incident, RenderContext], Cell]:
    return lambda incident, ctx: format_duration(incident.duration(milestone))


ACTION_COLUMNS: dict[str, Column[Action]] = {
    c.name: c
    for c in (
        Column[Action](
            "id", "Id", _attr("id"), cell=lambda a, ctx: _linked(a, a.id or "", ctx), export="id"
        ),
        Column[Action](
            "action",
            "Action",
            _attr("title"),
            cell=lambda a, ctx: _linked(a, a.title, ctx),
            export="title",
        ),
        Column[Action]("owner", "Owner", _attr("owner"), export="owner"),
        Column[Action]("due", "Due", _attr("due"), cell=_due_cell, export="due"),
        Column[Action]("status", "Status", _attr("status"), export="status"),
        Column[Action](
            "priority", "Priority", _attr("priority"), _rank(_priorities), export="priority"
        ),
        Column[Action]("type", "Type", _attr("type"), export="type"),
        Column[Action](
            "incident", "Incident", _attr("incident"), cell=_incident_cell, export="incident"
        ),
        Column[Action](
            "severity",
            "Severity",
            lambda a, ctx: _severity_of(a, ctx),
            _rank(_severities),
        ),
        Column[Action](
            "tracker",
            "Tracker",
            _attr("tracker"),
            cell=lambda a, ctx: tracker_link(a) or "",
            export="tracker",
        ),
    )
}

INCIDENT_COLUMNS: dict[str, Column[Incident]] = {
    c.name: c
    for c in (
        Column[Incident](
            "id", "Id", _attr("id"), cell=lambda i, ctx: _linked(i, i.id, ctx), export="id"
        ),
        # the export keeps the title as written; the column drops a repeated id
        Column[Incident]("title", "Title", lambda i, ctx: incident_title(i)),
        Column[Incident]("date", "Date", _attr("date"), export="date"),
        Column[Incident](
            "severity", "Severity", _attr("severity"), _rank(_severities), export="severity"
        ),
        Column[Incident]("status", "Status", _attr("status"), export="status"),
        Column[Incident]("owner", "Owner", _attr("owner"), export="owner"),
        Column[Incident]("services", "Services", _attr("services"), _joined, export="services"),
        *(
            Column[Incident](
                d.key,
                d.name.capitalize(),
                _duration(d.milestone),
                cell=_duration_cell(d.milestone),
            )
            for d in DURATIONS
        ),
        Column[Incident]("open-actions", "Open actions", lambda i, ctx: ctx.open_actions[i.id]),
        Column[Incident]("tags", "Tags", _attr("tags"), _joined, export="tags"),
    )
}


def incident_title(incident: Incident) -> str:
    """The title without the id that post-mortem titles often start with."""
    title = incident.title
    for separator in (":", " -", " \u2013", " \u2014"):
        head, found, rest = title.partition(separator)
        if found and head.strip() == incident.id and rest.strip():
            return rest.strip()
    return title


@dataclass
class Query:
    """A table's filters, sort and columns, as checked plain data."""

    #: column name -> accepted values (a record matches any of them)
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

    def matches(self, record: R, columns: dict[str, Column[R]], ctx: RenderContext) -> bool:
        if isinstance(record, Action):
            if self.overdue and not record.is_overdue(ctx.today):
                return False
        elif self.since or self.until:
            if record.date is None:
                return False
            if (self.since and record.date < self.since) or (
                self.until and record.date > self.until
            ):
                return False
        for name, accepted in self.filters.items():
            value = columns[name].value(record, ctx)
            if isinstance(value, tuple):
                if accepted and set(accepted).isdisjoint(value):
                    return False
            elif value not in accepted:
                return False
        return True

    def run(
        self, records: Sequence[R], columns: dict[str, Column[R]], ctx: RenderContext
    ) -> list[R]:
        found = [r for r in records if self.matches(r, columns, ctx)]
        return sort_records(found, [(columns[n], d) for n, d in self.sort], ctx)


_LAST = (1, "")  # sorts after every present value, in either direction


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return _LAST
    if isinstance(value, str):
        return (0, value.casefold())
    return (0, value)


def sort_records(
    records: list[R], keys: list[tuple[Column[R], bool]], ctx: RenderContext
) -> list[R]:
    """Stable sorts, least significant key first; missing values always last."""
    for column, descending in reversed(keys):
        keyed = [(_sort_key(column.sort_value(record, ctx)), record) for record in records]
        present = [pair for pair in keyed if pair[0] is not _LAST]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        records = [r for _, r in present] + [r for k, r in keyed if k is _LAST]
    return records


# -- reading a query from a directive's options ------------------------------------------


def names_in(name: str, help: str, choices: Callable[[Settings], Sequence[str]]) -> Field:
    """An option listing names from ``choices``: each bad one is a warning, the rest kept."""

    def parse(value: str, directive: PostmortemDirective) -> tuple[str, ...] | None:
        allowed = choices(directive.settings)
        found: list[str] = []
        for item in parse_list(value):
            try:
                found.append(parse_choice(item, allowed))
            except FieldError as exc:
                directive.warn(f":{name}: {exc}")
        return tuple(dict.fromkeys(found)) or None

    return Field(name, help, parse)


def free_names(value: str, directive: PostmortemDirective) -> tuple[str, ...] | None:
    return parse_list(value) or None


def any_names(name: str, help: str) -> Field:
    """An option listing free names, such as owners: checked against the records
    once every document is read (see ``tables.check_filters``)."""
    return Field(name, help, free_names)


#: the options that filter incidents (incident-table, incident-metrics) -> their columns
INCIDENT_FILTERS = {
    "severity": "severity",
    "status": "status",
    "service": "services",
    "tag": "tags",
}
INCIDENT_FILTER_FIELDS = (
    names_in("severity", "only these severities", lambda s: s.severities),
    names_in("status", "only these statuses", lambda s: INCIDENT_STATUSES),
    any_names("service", "only incidents affecting one of these services"),
    any_names("tag", "only incidents with one of these tags"),
    Field("since", "only incidents on or after this date", plain(parse_date)),
    Field("until", "only incidents on or before this date", plain(parse_date)),
)


class QueryDirective(PostmortemDirective):
    """A directive whose options are a query over the records; it leaves a placeholder."""

    subtype = "table"
    placeholder: ClassVar[type[Placeholder]]
    columns: ClassVar[dict[str, Column[Any]]]
    default_columns: ClassVar[tuple[str, ...]] = ()
    default_sort: ClassVar[str] = ""
    #: option name -> the column it filters
    filters: ClassVar[dict[str, str]] = {}
    #: every option's value, once read
    values: dict[str, Any]

    def read_sort(self, raw: str | None) -> list[tuple[str, bool]]:
        keys = []
        for key in parse_list(raw or self.default_sort):
            name = key.lstrip("-+")
            if name in self.columns:
                keys.append((name, key.startswith("-")))
            else:
                self.warn(f":sort: {name!r} is not one of {', '.join(self.columns)}")
        return keys or [(self.default_sort.lstrip("-"), self.default_sort.startswith("-"))]

    def free_filters(self) -> list[TableFilter]:
        """The filters on free names, kept to be checked against every record."""
        source, line = self.source_line
        return [
            TableFilter(
                self.name,
                "action" if self.columns is ACTION_COLUMNS else "incident",
                field.name,
                self.filters[field.name],
                values,
                self.env.docname,
                line,
                source,
            )
            for field in self.fields
            if field.parse is free_names and (values := self.values.get(field.name))
        ]

    def query(self) -> Query:
        self.values = values = self.read_fields()
        query = Query(
            since=values.get("since"),
            until=values.get("until"),
            overdue=bool(values.get("overdue")),
        )
        if query.since and query.until and query.since > query.until:
            self.warn(":since: is after :until:, so no incident can match")
        for option, column in self.filters.items():
            if values.get(option):
                query.filters[column] = values[option]
        if "sort" in self.options or self.default_sort:
            query.sort = self.read_sort(self.options.get("sort"))
        query.columns = values.get("columns") or self.default_columns
        return query

    def run(self) -> list[nodes.Node]:
        query = self.query()
        domain, docname = get_domain(self.env), self.env.docname
        domain.tables[docname] = domain.tables.get(docname, 0) + 1
        kept = self.free_filters()
        if kept:
            domain.filters.setdefault(docname, []).extend(kept)
        node = self.placeholder(query=query)
        self.set_source_info(node)
        return [node]


def nothing(what: str, query: Query) -> nodes.paragraph:
    """The sentence an empty result shows: what matched nothing."""
    described = query.describe()
    sentence = f"No {what} match" + (f" ({described})." if described else ".")
    return nodes.paragraph(sentence, sentence, classes=["pm-empty"])


def draw_table(
    records: Sequence[R],
    query: Query,
    columns: dict[str, Column[R]],
    ctx: RenderContext,
    classes: Sequence[str],
    row_classes: Callable[[R], list[str]] = lambda record: [],
) -> nodes.table:
    rows = [
        ([columns[name].draw(record, ctx) for name in query.columns], row_classes(record))
        for record in records
    ]
    headers = [columns[name].header for name in query.columns]
    return table(headers, rows, classes, columns=query.columns, html=ctx.html)
