"""``postmortem.json``: every incident and action, for scripts and dashboards.

The shape is described by ``postmortem.schema.json`` beside this module; any
change to it bumps :data:`VERSION`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sphinx.errors import NoUri

from ._version import __version__
from .commits import CommitRef
from .domain import get_domain
from .fields import parse_timezone
from .query import ACTION_COLUMNS, INCIDENT_COLUMNS
from .records import DURATIONS, MILESTONES, Action, Incident, Timeline, TimelineEntry
from .render import RenderContext

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder

VERSION = 3
SCHEMA = Path(__file__).with_name("postmortem.schema.json")


def _url(builder: Builder, docname: str, anchor: str) -> str | None:
    """The page's address relative to the output folder, for builders of web pages."""
    if builder.format != "html":
        return None
    try:
        uri = builder.get_target_uri(docname)
    except NoUri:
        return None
    return f"{uri}#{anchor}" if anchor else uri


def local(when: dt.datetime, timezone: str | None) -> str:
    """ISO 8601 with the offset of the zone the writer used.

    Before standard time, zones had offsets with seconds (local mean time),
    which ISO 8601 cannot write; such instants are given in UTC.
    """
    shown = when.astimezone(parse_timezone(timezone or "UTC"))
    offset = shown.utcoffset()
    if offset is not None and offset.seconds % 60:
        shown = when.astimezone(dt.UTC)
    return shown.isoformat()


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _seconds(value: dt.timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def commit_data(commit: CommitRef, url_format: str | None) -> dict[str, Any]:
    return {
        "sha": commit.sha,
        "short": commit.short,
        "date": commit.date.isoformat(),
        "subject": commit.subject,
        "kind": commit.kind,
        "url": url_format.replace("{}", commit.sha) if url_format else None,
    }


def _json(value: Any) -> Any:
    """A column's value as JSON has it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def action_data(action: Action, ctx: RenderContext) -> dict[str, Any]:
    data = {
        column.export: _json(column.value(action, ctx))
        for column in ACTION_COLUMNS.values()
        if column.export
    }
    data.update(
        overdue=action.is_overdue(ctx.today),
        archived=action.archived,
        tracker_url=action.tracker_url,
        completed=_date(action.completed),
        docname=action.docname,
        line=action.line,
        url=_url(ctx.builder, action.docname, action.anchor),
        commits=[commit_data(c, ctx.settings.commit_url) for c in ctx.commits(action)],
    )
    return data


def entry_data(entry: TimelineEntry, timeline: Timeline) -> dict[str, Any]:
    return {
        "time": local(entry.when, timeline.timezone) if entry.when else None,
        "end": local(entry.end, timeline.timezone) if entry.end else None,
        "date": _date(entry.day),
        "approximate": entry.approximate,
        "milestones": list(entry.milestones),
        "text": entry.text,
        "line": entry.line,
    }


def incident_data(
    incident: Incident, timelines: list[Timeline], actions: list[Action], ctx: RenderContext
) -> dict[str, Any]:
    data = {
        column.export: _json(column.value(incident, ctx))
        for column in INCIDENT_COLUMNS.values()
        if column.export
    }
    data.update(
        title=incident.title,
        authors=list(incident.authors),
        tags=list(incident.tags),
        timezone=incident.timezone,
        times={
            name: local(incident.times[name], incident.timezone)
            for name in MILESTONES
            if name in incident.times
        },
        durations={d.export: _seconds(incident.duration(d.milestone)) for d in DURATIONS},
        timeline=[entry_data(e, timeline) for timeline in timelines for e in timeline.entries],
        actions=[action_data(a, ctx) for a in actions],
        docname=incident.docname,
        line=incident.line,
        url=_url(ctx.builder, incident.docname, incident.anchor),
    )
    return data


def export(builder: Builder) -> dict[str, Any]:
    """The whole export as plain data, in sorted document order."""
    data = streamed(builder)
    return {
        key: list(value) if isinstance(value, Iterator) else value for key, value in data.items()
    }


def streamed(builder: Builder) -> dict[str, Any]:
    """The export, its records given one at a time: written as they come, they are never
    all in memory at once (the whole export was the peak of a build's memory)."""
    domain = get_domain(builder.env)
    ctx = RenderContext(builder, "", domain)
    docnames = sorted(domain.incidents.keys() | domain.actions.keys())

    def incidents() -> Iterator[dict[str, Any]]:
        for docname in docnames:
            incident = domain.incidents.get(docname)
            if incident is not None:
                timelines = domain.timelines.get(docname, [])
                actions = domain.actions.get(docname, [])
                yield incident_data(incident, timelines, actions, ctx)

    def unassigned() -> Iterator[dict[str, Any]]:
        for docname in docnames:
            if docname not in domain.incidents:
                yield from (action_data(a, ctx) for a in domain.actions.get(docname, []))

    return {
        "version": VERSION,
        "generator": f"sphinx-postmortem {__version__}",
        "today": ctx.today.isoformat(),
        "incidents": incidents(),
        "unassigned_actions": unassigned(),
    }


def write_export(app: Sphinx, exception: BaseException | None) -> None:
    name = app.config.postmortem_json
    if exception is not None or not name or not app.outdir:
        return
    path = Path(app.outdir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        write_json(streamed(app.builder), out)


def write_json(data: dict[str, Any], out: TextIO) -> None:
    """The export with one incident (or unassigned action) per line, written as it comes.

    Each line is encoded by the json module's C encoder, which ``indent`` turns
    off: indented output took a tenth of a dummy build at N=300. A line per
    record also keeps a diff of two exports readable.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    out.write("{\n")
    for number, (key, value) in enumerate(data.items()):
        if number:
            out.write(",\n")
        out.write(f"{encode(key)}: ")
        if not isinstance(value, (list, Iterator)):
            out.write(encode(value))
            continue
        opened = False
        for item in value:
            out.write(",\n" if opened else "[\n")
            out.write(encode(item))
            opened = True
        out.write("\n]" if opened else "[]")
    out.write("\n}\n")


def setup_export(app: Sphinx) -> None:
    app.connect("build-finished", write_export)
