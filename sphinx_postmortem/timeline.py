"""The ``timeline`` directive: a bullet list of timestamped events."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes

from .diagnostics import at, warn
from .directive import Field, PostmortemDirective, plain
from .domain import get_domain
from .fields import STAMP_FORMS, FieldError, match_stamp, parse_timezone, timezone_name
from .records import MILESTONES, Timeline, TimelineEntry
from .render import Placeholder, RenderContext, format_instant, register_placeholder, table

if TYPE_CHECKING:
    from sphinx.application import Sphinx

_DASH = re.compile(r"\s*[-\u2013\u2014](?:\s+|$)")
_MARKER = re.compile(r"\s*\[([A-Za-z]+)\](?=\s|$)")


class TimelineDirective(PostmortemDirective):
    has_content = True
    subtype = "timeline"
    fields: ClassVar[tuple[Field, ...]] = (
        Field("timezone", "an IANA name or UTC for this timeline's times", plain(timezone_name)),
    )

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        source, line = self.source_line
        timeline = Timeline(line=line, source=source, timezone=self.read_fields()["timezone"])
        body = self.parse_content_to_nodes()
        lists = [node for node in body if isinstance(node, nodes.bullet_list)]
        if len(lists) != 1 or len(body) != 1:
            self.warn("the content must be one bullet list, an entry per item")
        if not lists:
            return body
        for item in lists[0].children:
            if isinstance(item, nodes.list_item):
                timeline.entries.append(read_entry(item, self))
        timelines = get_domain(self.env).timelines.setdefault(docname, [])
        timelines.append(timeline)
        node = TimelineBlock("", lists[0], docname=docname, index=len(timelines) - 1)
        self.set_source_info(node)
        return [node if child is lists[0] else child for child in body]


def read_entry(item: nodes.Element, directive: TimelineDirective) -> TimelineEntry:
    """Take the timestamp and marker off the front of a list item."""
    docname = directive.env.docname
    para = item.next_node(nodes.paragraph)
    line = (para.line if para is not None else None) or item.line or directive.source_line[1]
    source = (para.source if para is not None else None) or directive.source_line[0]
    entry = TimelineEntry(line=line, text="", source=source)
    first = para[0] if para is not None and len(para) else None
    try:
        found = match_stamp(str(first).lstrip()) if isinstance(first, nodes.Text) else None
    except FieldError as exc:
        entry.text = prose_text(item)
        warn("timeline", str(exc), at(source, line, docname))
        return entry
    if first is None or found is None:
        entry.text = prose_text(item)
        warn(
            "timeline",
            f"entry does not start with a timestamp ({STAMP_FORMS}): {entry.text[:60]!r}",
            at(source, line, docname),
        )
        return entry
    (stamp, end), written = found, str(first).lstrip()
    rest = written[end:]
    if rest and not (rest[0].isspace() or _DASH.match(rest)):
        warn(
            "timeline",
            f"entry has no space after its timestamp: {written[:30]!r}",
            at(source, line, docname),
        )
    entry.stamp, entry.parsed = written[:end], stamp
    if dash := _DASH.match(rest):
        rest = rest[dash.end() :]
    marker = _MARKER.match(rest)
    if marker and marker[1].lower() in MILESTONES:
        entry.milestone = marker[1].lower()
        rest = rest[marker.end() :]
        if dash := _DASH.match(rest):
            rest = rest[dash.end() :]
    first.parent.replace(first, nodes.Text(rest.lstrip()))
    entry.text = prose_text(item)
    return entry


def prose_text(node: nodes.Element) -> str:
    """The entry as text, without the messages docutils leaves for markup errors."""
    if next(node.findall(nodes.system_message), None) is not None:
        node = node.deepcopy()
        for message in list(node.findall(nodes.system_message)):
            message.parent.remove(message)
    return " ".join(node.astext().split())


class TimelineBlock(Placeholder):
    """The timeline as a table of time and event; milestones are labelled."""

    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        timeline = ctx.domain.timelines[self["docname"]][self["index"]]
        tz = parse_timezone(timeline.timezone or ctx.settings.timezone)
        rows: list[tuple[list[nodes.Node | str], list[str]]] = []
        shown_day = None
        items = self.children[0].children if self.children else []
        for item, entry in zip(items, timeline.entries, strict=False):
            when = ""
            if entry.when is not None:
                local = entry.when.astimezone(tz)
                when = format_instant(entry.when, tz, with_date=local.date() != shown_day)
                shown_day = local.date()
            event = nodes.entry("", *item.children, classes=["pm-event"])
            classes = ["pm-entry"]
            if entry.milestone:
                classes += ["pm-milestone", f"pm-milestone-{entry.milestone}"]
                label = nodes.strong("", entry.milestone.capitalize(), classes=["pm-marker"])
                first = event.next_node(nodes.paragraph)
                if first is not None:
                    first.insert(0, nodes.Text(": "))
                    first.insert(0, label)
                else:
                    event.insert(0, nodes.paragraph("", "", label))
            rows.append(([when, event], classes))
        zone = timeline.timezone or ctx.settings.timezone
        return [table((f"Time ({zone})", "Event"), rows, ["pm-timeline"], widths=(24, 56))]


def setup_timeline(app: Sphinx) -> None:
    register_placeholder(app, TimelineBlock)
    app.add_directive("timeline", TimelineDirective)
