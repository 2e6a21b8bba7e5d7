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
import pickle
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ._version import __version__
from .config import today
from .domain import get_domain
from .records import Action, Incident

if TYPE_CHECKING:
    from icalendar import Todo
    from sphinx.application import Sphinx

# icalendar and feedgen (with lxml) are imported where they are used: they
# would add about 30 ms to every build, and only HTML builds write feeds.

ACTIONS_FILE = "postmortem-actions.ics"
FEED_FILE = "postmortem.atom"

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
    from icalendar import Todo

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


def _todo_key(
    action: Action,
    incident: Incident | None,
    base_url: str,
    page: PageUri,
    today: dt.date,
    stamp: dt.datetime,
) -> str:
    """Everything :func:`_todo` reads, as one string: equal keys, equal bytes."""
    about = (incident.id, incident.title) if incident is not None else None
    return repr(
        (
            __version__,
            action.id,
            action.title,
            action.due,
            action.status,
            action.owner,
            action.priority,
            action.is_overdue(today),
            page(action.docname),
            action.anchor,
            about,
            base_url,
            stamp,
        )
    )


def todos(
    actions: Iterable[Action],
    incidents: Iterable[Incident],
    base_url: str,
    today: dt.date,
    *,
    page: PageUri = html_page,
    cache: Mapping[str, bytes] | None = None,
    keep: dict[str, bytes] | None = None,
) -> list[tuple[Action, bytes]]:
    """Each open action's to-do, serialised once, soonest due first.

    To-dos found in ``cache`` (by :func:`_todo_key`) are not serialised again:
    an incremental build changes few of them. ``keep`` receives every to-do
    used, by key: the cache for the next build.
    """
    by_id = {incident.id: incident for incident in incidents}
    stamp = build_stamp(today)
    chosen = sorted(
        (a for a in actions if a.is_open and a.id),
        key=lambda a: (a.due or dt.date.max, a.id or ""),
    )
    keyed = cache is not None or keep is not None
    made: list[tuple[Action, bytes]] = []
    for action in chosen:
        incident = by_id.get(action.incident or "")
        key = _todo_key(action, incident, base_url, page, today, stamp) if keyed else ""
        serialised = cache.get(key) if cache is not None else None
        if serialised is None:
            serialised = _todo(action, incident, base_url, page, today, stamp).to_ical()
        if keep is not None:
            keep[key] = serialised
        made.append((action, serialised))
    return made


#: the to-dos of the last build, in the doctree folder (beside Sphinx's own pickles)
TODO_CACHE = "postmortem-todos.pickle"


def _load_cache(path: Path) -> dict[str, bytes]:
    """The last build's to-dos; nothing when the file is missing, old or damaged."""
    try:
        with path.open("rb") as file:
            data = pickle.load(file)
    except Exception:  # a cache: any problem means starting over, never a failed build
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, bytes)}


def _calendar(name: str, serialised: Iterable[bytes]) -> bytes:
    """A calendar around to-dos already serialised: each is written once for the
    main calendar and its owner's (icalendar's serialising is the feeds' cost)."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    head, end = bytes(calendar.to_ical()), b"END:VCALENDAR\r\n"
    return head.removesuffix(end) + b"".join(serialised) + end


def actions_calendar(
    actions: Iterable[Action],
    incidents: Iterable[Incident],
    base_url: str,
    today: dt.date,
    *,
    page: PageUri = html_page,
    name: str = "Post-mortem actions",
    made: list[tuple[Action, bytes]] | None = None,
) -> bytes:
    """An iCalendar file with one to-do per open action, soonest due first."""
    if made is None:
        made = todos(actions, incidents, base_url, today, page=page)
    return _calendar(name, (todo for _, todo in made))


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
    made: list[tuple[Action, bytes]] | None = None,
) -> dict[str, bytes]:
    """One calendar per owner of an open action, by file name (see :func:`owner_filename`)."""
    if made is None:
        made = todos(actions, incidents, base_url, today, page=page)
    owners: dict[str, list[bytes]] = {}
    for action, todo in made:
        if action.owner:
            owners.setdefault(action.owner, []).append(todo)
    return {
        owner_filename(owner): _calendar(f"Post-mortem actions: {owner}", owned)
        for owner, owned in sorted(owners.items())
    }


#: what XML 1.0 cannot hold: control characters, surrogates and two non-characters
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text an Atom feed can carry: characters XML forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


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
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(f"urn:uuid:{_uid(base_url, 'feed')}")
    feed.title(xml_text(title))
    feed.author({"name": "sphinx-postmortem"})
    feed.generator("sphinx-postmortem", __version__)
    feed.link(
        href=urljoin(base_url, "postmortem.atom") if base_url else "postmortem.atom", rel="self"
    )
    feed.updated(max((e[0] for e in entries), default=build_stamp(today)))
    for updated, incident, own in entries:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{_uid(base_url, incident.id)}")
        entry.title(xml_text(incident.title or incident.id))
        entry.link(href=_link(base_url, page, incident.docname, ""), rel="alternate")
        entry.updated(updated)
        if incident.date is not None:
            entry.published(_midnight(incident.date))
        entry.summary(xml_text(_summary(incident, own)))
        for category in (incident.severity, *incident.services, *incident.tags):
            if category:
                entry.category(term=xml_text(category))
    return bytes(feed.atom_str(pretty=True))


def write_feeds(app: Sphinx, exception: BaseException | None) -> None:
    """``postmortem-actions.ics``, one calendar per owner, and ``postmortem.atom``."""
    builder = app.builder
    if exception is not None or not app.config.postmortem_feeds or builder.format != "html":
        return
    domain = get_domain(builder.env)
    incidents, actions = domain.all_incidents(), domain.all_actions()
    base_url, day = app.config.html_baseurl or "", today(app.config)
    out = Path(app.outdir)
    cache_path = Path(app.doctreedir) / TODO_CACHE
    kept: dict[str, bytes] = {}
    made = todos(
        actions,
        incidents,
        base_url,
        day,
        page=builder.get_target_uri,
        cache=_load_cache(cache_path),
        keep=kept,
    )
    files = {
        ACTIONS_FILE: actions_calendar(actions, incidents, base_url, day, made=made),
        FEED_FILE: incidents_feed(
            incidents, actions, base_url, day, page=builder.get_target_uri, title=app.config.project
        ),
        **calendars_by_owner(actions, incidents, base_url, day, made=made),
    }
    for name, content in files.items():
        (out / name).write_bytes(content)
    for old in out.glob("postmortem-actions-*.ics"):  # an owner with no open action left
        if old.name not in files:
            old.unlink()
    try:
        with cache_path.open("wb") as file:
            pickle.dump(kept, file, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # a read-only doctree folder costs the next build time, nothing else
        pass


def feed_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Let browsers and feed readers find the feeds from every page's head."""
    if not app.config.postmortem_feeds:
        return
    root = "../" * pagename.count("/")
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" type="application/atom+xml" title="Post-mortems" '
        f'href="{root}{FEED_FILE}">'
    )


def setup_feeds(app: Sphinx) -> None:
    app.connect("build-finished", write_feeds)
    app.connect("html-page-context", feed_links)
