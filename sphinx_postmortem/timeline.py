"""The ``timeline`` directive: a bullet list of timestamped events."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes

from .diagnostics import Location, at, warn
from .directive import Field, PostmortemDirective, plain
from .domain import get_domain
from .fields import ENTRY_FORMS, FieldError, match_entry_head, parse_timezone, timezone_name
from .records import MILESTONES, Timeline, TimelineEntry
from .render import (
    Placeholder,
    RenderContext,
    format_instant,
    register_placeholder,
    table,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx

_DASH = re.compile(r"\s*[-\u2013\u2014](?:\s+|$)")
_MARKER = re.compile(r"\s*\[([A-Za-z]+)\](?=[\s\[]|$)")


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
    """Take the time and the markers off the front of a list item."""
    head = item[0] if len(item) else None
    para = head if isinstance(head, nodes.paragraph) else item.next_node(nodes.paragraph)
    line = (para.line if para is not None else None) or item.line or directive.source_line[1]
    source = (para.source if para is not None else None) or directive.source_line[0]
    entry = TimelineEntry(line=line, text="", source=source)

    def where() -> Location:  # only when there is something to say: abspath is not free
        return at(source, line, directive.env.docname)

    first = para[0] if para is not None and len(para) else None
    written = str(first).lstrip() if isinstance(first, nodes.Text) else ""
    try:
        found = match_entry_head(written) if written else None
    except FieldError as exc:
        found = None
        warn("timeline", str(exc), where())
    else:
        if found is None:
            text = prose_text(item)[:60]
            warn("timeline", f"entry does not start with a time ({ENTRY_FORMS}): {text!r}", where())
    if first is None or found is None:
        entry.text = prose_text(item)
        return entry
    assert para is not None
    (entry.head, end), rest = found, written[found[1] :]
    entry.stamp = written[:end].strip()
    entry.approximate, entry.dated = entry.head.approximate, entry.head.day is not None
    if rest and not (rest[0].isspace() or _DASH.match(rest)):
        warn("timeline", f"entry has no space after its time: {written[:30]!r}", where())
    if entry.head.unknown_zone:
        warn(
            "timeline",
            f"{entry.head.unknown_zone!r} after {entry.stamp.split()[0]!r} is not a time zone "
            "that names one offset: write the offset (10:30 +05:30) or an IANA name in the "
            "timeline's :timezone:; the time is read in the timeline's zone",
            where(),
        )
    entry.milestones, rest = take_markers(rest)
    para[0] = nodes.Text(rest.lstrip())  # ``first`` is the paragraph's first child
    entry.text = prose_text(item)
    return entry


def take_markers(rest: str) -> tuple[tuple[str, ...], str]:
    """The milestone markers after the time (``[started] [detected]``) and the text after them."""
    found: list[str] = []
    if dash := _DASH.match(rest):
        rest = rest[dash.end() :]
    while (marker := _MARKER.match(rest)) and marker[1].lower() in MILESTONES:
        if marker[1].lower() not in found:
            found.append(marker[1].lower())
        rest = rest[marker.end() :]
        if dash := _DASH.match(rest):
            rest = rest[dash.end() :]
    return tuple(found), rest


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
        shown: tuple[dt.date | None, dt.timedelta | None] = (None, None)
        items = self.children[0].children if self.children else []
        for item, entry in zip(items, timeline.entries, strict=False):
            when, shown = time_text(entry, tz, shown)
            event = nodes.entry("", *item.children, classes=["pm-event"])
            classes = ["pm-entry"]
            if entry.approximate:
                classes.append("pm-approximate")
            for milestone in reversed(entry.milestones):
                classes += ["pm-milestone", f"pm-milestone-{milestone}"]
                label = nodes.strong("", milestone.capitalize(), classes=["pm-marker"])
                first = event.next_node(nodes.paragraph)
                if first is not None:
                    first.insert(0, nodes.Text(": " if milestone == entry.milestones[-1] else ", "))
                    first.insert(0, label)
                else:
                    event.insert(0, nodes.paragraph("", "", label))
            rows.append(([when, event], classes))
        zone = timeline.timezone or ctx.settings.timezone
        return [
            table(
                (f"Time ({zone})", "Event"),
                rows,
                ["pm-timeline"],
                widths=(24, 56),
                html=ctx.html,
            )
        ]


def time_text(
    entry: TimelineEntry, tz: dt.tzinfo, shown: tuple[dt.date | None, dt.timedelta | None]
) -> tuple[str, tuple[dt.date | None, dt.timedelta | None]]:
    """An entry's time as the table shows it, and the (date, UTC offset) it leaves shown.

    The date is shown when it changes; the zone's abbreviation too, and whenever
    the UTC offset differs from the entry before (a daylight-saving change).
    """
    day, offset = shown
    if entry.when is None:
        text = entry.day.isoformat() if entry.day and (entry.dated or entry.day != day) else ""
        return text, (entry.day or day, offset)
    local = entry.when.astimezone(tz)
    text = format_instant(entry.when, tz, with_date=local.date() != day)
    if local.date() == day and offset is not None and local.utcoffset() != offset:
        text += f" {local.tzname()}"
    if entry.end is not None:
        end = entry.end.astimezone(tz)
        text += " \u2013 " + format_instant(entry.end, tz, with_date=end.date() != local.date())
    if entry.approximate:
        text = "≈ " + text
    return text, (local.date(), local.utcoffset())


def setup_timeline(app: Sphinx) -> None:
    register_placeholder(app, TimelineBlock)
    app.add_directive("timeline", TimelineDirective)
