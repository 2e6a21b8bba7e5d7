"""The ``incident`` directive: one per document, the post-mortem's header."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from sphinx.util.nodes import make_id

from . import charts
from .config import INCIDENT_STATUSES
from .directive import Field, PostmortemDirective, choice, plain
from .domain import get_domain
from .fields import (
    FieldError,
    Stamp,
    parse_date,
    parse_list,
    parse_stamp,
    parse_timezone,
    timezone_name,
)
from .records import DURATIONS, MILESTONES, Incident
from .render import (
    Placeholder,
    RenderContext,
    anchor,
    badge,
    field_list,
    format_duration,
    format_instant,
    register_placeholder,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx


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
        ("Severity", badge(incident.severity, "pm-severity")),
        ("Status", badge(incident.status, "pm-status")),
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
        (d.name.capitalize(), format_duration(incident.duration(d.milestone))) for d in DURATIONS
    ]
    return field_list(rows)


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


SEVERITY = choice(lambda settings: settings.severities)
STATUS = choice(lambda settings: INCIDENT_STATUSES)


class IncidentDirective(PostmortemDirective):
    required_arguments = 1
    # the whole line, so that an id with spaces gets our message, not docutils'
    final_argument_whitespace = True
    has_content = True
    subtype = "incident"
    fields: ClassVar[tuple[Field, ...]] = (
        Field("date", "the day the incident began, YYYY-MM-DD", plain(parse_date), required=True),
        Field("severity", "one of postmortem_severities", SEVERITY, required=True),
        Field("status", "draft, in-review or final", STATUS, default="draft"),
        Field("owner", "the team or person who owns the post-mortem"),
        Field("authors", "who wrote it, comma-separated", plain(parse_list), default=()),
        Field("services", "the affected services, comma-separated", plain(parse_list), default=()),
        Field("tags", "free tags, comma-separated", plain(parse_list), default=()),
        Field("timezone", "an IANA name or UTC for times without an offset", plain(timezone_name)),
        *(Field(name, f"when the incident was {name}", plain(parse_stamp)) for name in MILESTONES),
    )

    @property
    def subject(self) -> str:
        return " ".join(self.arguments[0].split())

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        incident_id = self.subject
        domain = get_domain(self.env)
        body = self.parse_content_to_nodes()
        first = domain.incidents.get(docname)
        if first is not None:
            self.warn(
                f"a second incident in this document is not recorded; "
                f"{first.id} (line {first.line}) owns the document"
            )
            return body
        self.check_id(incident_id)
        values = self.read_fields()
        source, line = self.source_line
        incident = Incident(
            id=incident_id,
            docname=docname,
            line=line,
            source=source,
            anchor=make_id(self.env, self.state.document, "", incident_id),
            date=values["date"],
            severity=values["severity"],
            status=values["status"],
            owner=values["owner"],
            authors=values["authors"],
            services=values["services"],
            tags=values["tags"],
            timezone=values["timezone"] or self.settings.timezone,
        )
        self.place_milestones(incident, values)
        domain.incidents[docname] = incident
        node = IncidentBlock("", *body, ids=[incident.anchor], docname=docname)
        self.set_source_info(node)
        self.state.document.note_explicit_target(node)
        return [node]

    def check_id(self, incident_id: str) -> None:
        pattern = self.settings.id_pattern
        if pattern.fullmatch(incident_id):
            return
        if any(c.isspace() for c in incident_id):
            self.warn(
                "the id has spaces: an incident id is one word that matches "
                f"postmortem_id_pattern {pattern.pattern!r}, such as INC-2024-007"
            )
            return
        self.warn(f"the id does not match postmortem_id_pattern {pattern.pattern!r}")

    def place_milestones(self, incident: Incident, values: dict[str, Any]) -> None:
        """Lifecycle times as instants, bare times on the incident's date and zone."""
        tz = parse_timezone(incident.timezone)
        for name in MILESTONES:
            stamp: Stamp | None = values[name]
            if stamp is None:
                continue
            try:
                incident.times[name] = stamp.resolve(incident.date, tz)
            except FieldError as exc:
                self.warn(f":{name}: {exc}")


def setup_incident(app: Sphinx) -> None:
    register_placeholder(app, IncidentBlock)
    app.add_directive("incident", IncidentDirective)
