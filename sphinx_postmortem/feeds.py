"""Feeds that reach people outside a build log.

``postmortem-actions.ics`` puts every open action in its owner's calendar or
task list (one to-do each, due on its due date); ``postmortem.atom`` tells a
feed reader when a post-mortem is published or moves on. Both are the same
bytes when nothing changed: every time in them comes from the records, or from
``SOURCE_DATE_EPOCH``, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Todo

from . import __version__
from .records import Action, Incident

#: a to-do's state in iCalendar (RFC 5545, 3.8.1.11), by action status
ICAL_STATUS = {"open": "NEEDS-ACTION", "in-progress": "IN-PROCESS"}
PRODID = "-//sphinx-postmortem//actions//EN"

PageUri = Callable[[str], str]


def html_page(docname: str) -> str:
    """The page of a document in the ``html`` builder; pass the builder's own otherwise."""
    return f"{docname}.html"


def build_stamp(today: dt.date) -> dt.datetime:
    """When the feed was made: ``SOURCE_DATE_EPOCH`` when set, else the start of today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.combine(today, dt.time(), dt.UTC)


def _link(base_url: str, page: PageUri, docname: str, anchor: str) -> str:
    relative = f"{page(docname)}#{anchor}" if anchor else page(docname)
    return urljoin(base_url, relative) if base_url else relative


def _uid(base_url: str, key: str) -> str:
    """Stable across builds, and unique to the knowledge base and the record."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}#{key}"))


def _todo(
    action: Action,
    incident: Incident | None,
    base_url: str,
    page: PageUri,
    today: dt.date,
    stamp: dt.datetime,
) -> Todo:
    todo = Todo()
    host = urlsplit(base_url).hostname or "sphinx-postmortem.invalid"
    todo.add("uid", f"{action.id}@{host}")
    todo.add("dtstamp", stamp)
    todo.add("summary", f"{action.title} ({action.id})")
    if action.due is not None:
        todo.add("due", action.due)
    todo.add("status", ICAL_STATUS.get(action.status, "NEEDS-ACTION"))
    if action.owner:
        todo.add("categories", [action.owner])
    if base_url:  # a calendar cannot follow a relative link
        todo.add("url", _link(base_url, page, action.docname, action.anchor))
    if incident is None:
        about = "From no incident"
    else:  # titles usually start with the id already
        named = incident.id in incident.title
        about = f"From {incident.title if named else f'{incident.id}: {incident.title}'}"
    overdue = " It is overdue." if action.is_overdue(today) else ""
    todo.add("description", f"{about}. Priority {action.priority}.{overdue}")
    return todo


def actions_calendar(
    actions: Iterable[Action],
    incidents: Iterable[Incident],
    base_url: str,
    today: dt.date,
    *,
    page: PageUri = html_page,
    name: str = "Post-mortem actions",
) -> bytes:
    """An iCalendar file with one to-do per open action, soonest due first."""
    by_id = {incident.id: incident for incident in incidents}
    stamp = build_stamp(today)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    chosen = [a for a in actions if a.is_open and a.id]
    chosen.sort(key=lambda a: (a.due or dt.date.max, a.id or ""))
    for action in chosen:
        incident = by_id.get(action.incident or "")
        calendar.add_component(_todo(action, incident, base_url, page, today, stamp))
    return bytes(calendar.to_ical())


def owner_filename(owner: str) -> str:
    """``postmortem-actions-<owner>.ics``, the owner spelt for a file name."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", owner.strip()).strip("-.").lower() or "owner"
    return f"postmortem-actions-{slug}.ics"


def calendars_by_owner(
    actions: Iterable[Action],
    incidents: Iterable[Incident],
    base_url: str,
    today: dt.date,
    *,
    page: PageUri = html_page,
) -> dict[str, bytes]:
    """One calendar per owner of an open action, by file name (see :func:`owner_filename`)."""
    incidents = list(incidents)
    owners: dict[str, list[Action]] = {}
    for action in actions:
        if action.owner and action.is_open and action.id:
            owners.setdefault(action.owner, []).append(action)
    return {
        owner_filename(owner): actions_calendar(
            owned, incidents, base_url, today, page=page, name=f"Post-mortem actions: {owner}"
        )
        for owner, owned in sorted(owners.items())
    }


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def incident_updated(incident: Incident, actions: Iterable[Action]) -> dt.datetime | None:
    """The latest of its date, its resolved time and its actions' completed dates."""
    moments = [_midnight(a.completed) for a in actions if a.completed is not None]
    if incident.date is not None:
        moments.append(_midnight(incident.date))
    if "resolved" in incident.times:
        moments.append(incident.times["resolved"].astimezone(dt.UTC))
    return max(moments, default=None)


def _summary(incident: Incident, actions: list[Action]) -> str:
    open_count = sum(1 for a in actions if a.is_open)
    parts = [incident.severity or "no severity", f"status {incident.status}"]
    if incident.services:
        parts.append("services " + ", ".join(incident.services))
    parts.append(f"{open_count} of {len(actions)} actions open")
    return "; ".join(parts) + "."


def incidents_feed(
    incidents: Iterable[Incident],
    actions: Iterable[Action],
    base_url: str,
    today: dt.date,
    *,
    page: PageUri = html_page,
    title: str = "Post-mortems",
) -> bytes:
    """An Atom feed with one entry per post-mortem, the newest first."""
    by_incident: dict[str, list[Action]] = {}
    for action in actions:
        by_incident.setdefault(action.incident or "", []).append(action)
    entries = []
    for incident in incidents:
        own = by_incident.get(incident.id, [])
        updated = incident_updated(incident, own) or build_stamp(today)
        entries.append((updated, incident, own))
    entries.sort(key=lambda e: (e[0], e[1].id), reverse=True)
    feed = FeedGenerator()
    feed.id(f"urn:uuid:{_uid(base_url, 'feed')}")
    feed.title(title)
    feed.author({"name": "sphinx-postmortem"})
    feed.generator("sphinx-postmortem", __version__)
    feed.link(
        href=urljoin(base_url, "postmortem.atom") if base_url else "postmortem.atom", rel="self"
    )
    feed.updated(max((e[0] for e in entries), default=build_stamp(today)))
    for updated, incident, own in entries:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{_uid(base_url, incident.id)}")
        entry.title(incident.title or incident.id)
        entry.link(href=_link(base_url, page, incident.docname, ""), rel="alternate")
        entry.updated(updated)
        if incident.date is not None:
            entry.published(_midnight(incident.date))
        entry.summary(_summary(incident, own))
        for category in (incident.severity, *incident.services, *incident.tags):
            if category:
                entry.category(term=category)
    return bytes(feed.atom_str(pretty=True))
