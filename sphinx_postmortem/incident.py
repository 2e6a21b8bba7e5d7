"""The ``incident`` directive: one per document, the post-mortem's header."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_id

from . import charts
from .config import INCIDENT_STATUSES, Settings
from .diagnostics import Location, at, warn
from .domain import get_domain
from .fields import (
    FieldError,
    parse_choice,
    parse_date,
    parse_list,
    parse_stamp,
    parse_timezone,
)
from .records import MILESTONES, Incident
from .render import (
    Placeholder,
    RenderContext,
    anchor,
    field_list,
    format_duration,
    format_instant,
    register_placeholder,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx

T = TypeVar("T")


class FieldReader:
    """Reads a directive's options, warning at the directive for each bad value."""

    def __init__(self, directive: SphinxDirective, subtype: str, subject: str) -> None:
        self.options = directive.options
        self.source, self.line = directive.get_source_info()
        self.docname = directive.env.docname
        self.subtype = subtype
        self.subject = subject

    @property
    def location(self) -> Location:
        return at(self.source, self.line, self.docname)

    def warn(self, message: str) -> None:
        warn(self.subtype, f"{self.subject}: {message}", self.location)

    def get(self, name: str, parse: Callable[[str], T], default: T, required: bool = False) -> T:
        raw = self.options.get(name)
        if raw is None or not str(raw).strip():
            if required:
                self.warn(f"the :{name}: option is required")
            elif raw is not None:
                self.warn(f":{name}: is empty")
            return default
        try:
            return parse(str(raw))
        except FieldError as exc:
            self.warn(f":{name}: {exc}")
            return default


OPTIONS = (
    "date",
    "severity",
    "status",
    "owner",
    "authors",
    "services",
    "tags",
    "timezone",
    *MILESTONES,
)


class IncidentBlock(Placeholder):
    """The incident's summary, followed by its body."""

    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        incident = ctx.domain.incidents.get(self["docname"])
        block = nodes.container(classes=["pm-incident"])
        block += anchor(self)
        if incident is not None:
            block += summary(incident)
            chart = lifecycle_chart(incident)
            if chart is not None:
                block += chart
        block += self.children
        return [block]


def summary(incident: Incident) -> nodes.Node:
    tz = parse_timezone(incident.timezone)
    rows: list[tuple[str, nodes.Node | str | None]] = [
        ("Incident", incident.id),
        ("Severity", _badge(incident.severity, "pm-severity")),
        ("Status", _badge(incident.status, "pm-status")),
        ("Date", incident.date.isoformat() if incident.date else None),
        ("Owner", incident.owner),
        ("Services", ", ".join(incident.services)),
        ("Authors", ", ".join(incident.authors)),
        ("Tags", ", ".join(incident.tags)),
    ]
    rows += [
        (name.capitalize(), format_instant(when, tz))
        for name in MILESTONES
        if (when := incident.times.get(name)) is not None
    ]
    rows += [
        ("Time to detect", format_duration(incident.ttd)),
        ("Time to mitigate", format_duration(incident.ttm)),
        ("Time to resolve", format_duration(incident.ttr)),
    ]
    return field_list(rows)


def _badge(value: str | None, kind: str) -> nodes.Node | None:
    if value is None:
        return None
    slug = nodes.make_id(value)
    return nodes.inline(value, value, classes=["pm-badge", kind, f"{kind}-{slug}"])


def lifecycle_chart(incident: Incident) -> nodes.Node | None:
    """The milestones on one time axis: each span labelled with its length, each
    milestone with the time since the start."""
    start = incident.times.get("started")
    if start is None:
        return None
    marks = [
        (name, (incident.times[name] - start).total_seconds())
        for name in MILESTONES
        if name in incident.times
    ]
    if len(marks) < 2:
        return None
    labelled = [marks[0]] + [
        (f"{name} +{format_duration(dt.timedelta(seconds=offset))}", offset)
        for name, offset in marks[1:]
    ]
    spans = [
        (format_duration(dt.timedelta(seconds=end - begin)), f"pm-span-{name}")
        for (_, begin), (name, end) in itertools.pairwise(marks)
    ]
    svg = charts.lifecycle(f"{incident.id}: lifecycle", labelled, spans)
    return nodes.raw("", svg, format="html", classes=["pm-chart-figure"])


class IncidentDirective(SphinxDirective):
    required_arguments = 1
    has_content = True
    option_spec = dict.fromkeys(OPTIONS, directives.unchanged)

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        incident_id = self.arguments[0].strip()
        domain = get_domain(self.env)
        body = self.parse_content_to_nodes()
        first = domain.incidents.get(docname)
        read = FieldReader(self, "incident", incident_id)
        if first is not None:
            read.warn(
                f"a second incident in this document is not recorded; "
                f"{first.id} (line {first.line}) owns the document"
            )
            return body
        settings = Settings.of(self.config)
        if not settings.id_pattern.fullmatch(incident_id):
            read.warn(
                f"the id does not match postmortem_id_pattern {settings.id_pattern.pattern!r}"
            )
        incident = Incident(
            id=incident_id,
            docname=docname,
            line=read.line,
            source=read.source,
            anchor=make_id(self.env, self.state.document, "", incident_id),
            date=read.get("date", parse_date, None, required=True),
            severity=read.get(
                "severity", lambda v: parse_choice(v, settings.severities), None, required=True
            ),
            status=read.get("status", lambda v: parse_choice(v, INCIDENT_STATUSES), "draft"),
            owner=read.get("owner", str.strip, None),
            authors=read.get("authors", parse_list, ()),
            services=read.get("services", parse_list, ()),
            tags=read.get("tags", parse_list, ()),
        )
        timezone = read.get("timezone", timezone_name, None)
        incident.timezone = timezone or settings.timezone
        tz = parse_timezone(incident.timezone)
        for name in MILESTONES:
            stamp = read.get(name, parse_stamp, None)
            if stamp is None:
                continue
            try:
                incident.times[name] = stamp.resolve(incident.date, tz)
            except FieldError as exc:
                read.warn(f":{name}: {exc}")
        domain.incidents[docname] = incident
        node = IncidentBlock("", *body, ids=[incident.anchor], docname=docname)
        self.set_source_info(node)
        self.state.document.note_explicit_target(node)
        return [node]


def timezone_name(value: str) -> str:
    """A valid timezone name, as written (``UTC`` for any spelling of it)."""
    parse_timezone(value)
    return "UTC" if value.strip().upper() in ("UTC", "Z") else value.strip()


def setup_incident(app: Sphinx) -> None:
    register_placeholder(app, IncidentBlock)
    app.add_directive("incident", IncidentDirective)
