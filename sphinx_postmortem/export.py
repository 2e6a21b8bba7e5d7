"""``postmortem.json``: every incident and action, for scripts and dashboards.

The shape is described by ``postmortem.schema.json`` beside this module; any
change to it bumps :data:`VERSION`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import NoUri

from . import __version__
from .config import today
from .domain import get_domain
from .fields import parse_timezone
from .records import MILESTONES, Action, Incident, Timeline

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder

VERSION = 1
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


def action_data(action: Action, builder: Builder, day: dt.date) -> dict[str, Any]:
    return {
        "id": action.id,
        "title": action.title,
        "incident": action.incident,
        "owner": action.owner,
        "due": _date(action.due),
        "status": action.status,
        "overdue": action.is_overdue(day),
        "priority": action.priority,
        "type": action.type,
        "tracker": action.tracker,
        "tracker_url": action.tracker_url,
        "completed": _date(action.completed),
        "docname": action.docname,
        "line": action.line,
        "url": _url(builder, action.docname, action.anchor),
    }


def incident_data(
    incident: Incident,
    timelines: list[Timeline],
    actions: list[Action],
    builder: Builder,
    day: dt.date,
) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "date": _date(incident.date),
        "severity": incident.severity,
        "status": incident.status,
        "owner": incident.owner,
        "authors": list(incident.authors),
        "services": list(incident.services),
        "tags": list(incident.tags),
        "timezone": incident.timezone,
        "times": {
            name: local(incident.times[name], incident.timezone)
            for name in MILESTONES
            if name in incident.times
        },
        "durations": {
            "time_to_detect": _seconds(incident.ttd),
            "time_to_mitigate": _seconds(incident.ttm),
            "time_to_resolve": _seconds(incident.ttr),
        },
        "timeline": [
            {
                "time": local(entry.when, timeline.timezone) if entry.when else None,
                "milestone": entry.milestone,
                "text": entry.text,
                "line": entry.line,
            }
            for timeline in timelines
            for entry in timeline.entries
        ],
        "actions": [action_data(a, builder, day) for a in actions],
        "docname": incident.docname,
        "line": incident.line,
        "url": _url(builder, incident.docname, incident.anchor),
    }


def export(builder: Builder) -> dict[str, Any]:
    """The whole export as plain data, in sorted document order."""
    domain = get_domain(builder.env)
    day = today(builder.config)
    incidents = []
    unassigned = []
    for docname in sorted(domain.incidents.keys() | domain.actions.keys()):
        actions = domain.actions.get(docname, [])
        incident = domain.incidents.get(docname)
        if incident is None:
            unassigned += [action_data(a, builder, day) for a in actions]
            continue
        timelines = domain.timelines.get(docname, [])
        incidents.append(incident_data(incident, timelines, actions, builder, day))
    return {
        "version": VERSION,
        "generator": f"sphinx-postmortem {__version__}",
        "today": day.isoformat(),
        "incidents": incidents,
        "unassigned_actions": unassigned,
    }


def write_export(app: Sphinx, exception: BaseException | None) -> None:
    name = app.config.postmortem_json
    if exception is not None or not name or not app.outdir:
        return
    data = export(app.builder)
    path = Path(app.outdir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:  # streamed: no 2 MB string per 300 incidents
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")


def setup_export(app: Sphinx) -> None:
    app.connect("build-finished", write_export)
