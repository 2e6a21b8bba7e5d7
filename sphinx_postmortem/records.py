"""The plain, picklable records the domain keeps per document.

No docutils node is ever stored here: pages are drawn from these records when
they are written, so a record cannot be mutated by a writer and the pickled
environment stays small.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from .config import OPEN_STATUSES
from .diagnostics import Location, at
from .fields import EntryHead

MILESTONES = ("started", "detected", "mitigated", "resolved")


@dataclass(frozen=True, slots=True)
class Duration:
    """A time from the start of an incident to one of its milestones."""

    key: str  # the column and sort key
    milestone: str
    name: str  # as a reader says it
    export: str  # the key in postmortem.json


#: the three durations, declared once for the tables, the metrics and the export
DURATIONS = (
    Duration("ttd", "detected", "time to detect", "time_to_detect"),
    Duration("ttm", "mitigated", "time to mitigate", "time_to_mitigate"),
    Duration("ttr", "resolved", "time to resolve", "time_to_resolve"),
)


@dataclass(slots=True)
class Incident:
    id: str
    docname: str
    line: int | None
    anchor: str
    title: str = ""
    date: dt.date | None = None
    severity: str | None = None
    status: str = "draft"
    owner: str | None = None
    authors: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    timezone: str = "UTC"
    #: lifecycle instants (aware datetimes), by milestone name
    times: dict[str, dt.datetime] = field(default_factory=dict)
    #: the file that holds the directive, when it is not the document's own
    source: str | None = None

    @property
    def where(self) -> Location:
        return at(self.source, self.line, self.docname)

    def duration(self, milestone: str) -> dt.timedelta | None:
        """Time from start to ``milestone``; None when either is unknown."""
        start, end = self.times.get("started"), self.times.get(milestone)
        if start is None or end is None:
            return None
        return end - start

    @property
    def ttr(self) -> dt.timedelta | None:
        return self.duration("resolved")


@dataclass(slots=True)
class TimelineEntry:
    line: int | None
    text: str
    #: the time as written, for messages
    stamp: str = ""
    #: the time as read, until the document's timelines are placed in time; then
    #: None, so that the environment does not keep three objects per entry alive
    head: EntryHead | None = None
    #: the time was written as approximate (``~``, ``≈``, ``ca.``, ``circa``)
    approximate: bool = False
    #: the entry's date was written, not carried from the entries before
    dated: bool = False
    #: the instant, None when the time is not known
    when: dt.datetime | None = None
    #: the end of a range such as ``09:00-11:00``
    end: dt.datetime | None = None
    #: the date in the timeline's zone, also for an entry whose time is not known
    day: dt.date | None = None
    milestones: tuple[str, ...] = ()
    source: str | None = None


#: the layout of a timeline's packed entries; another one refuses to load, and
#: Sphinx then reads every document afresh
PACKED = "timeline-entries/1"


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


@dataclass(slots=True)
class Timeline:
    line: int | None
    #: the timezone the entries are shown in, as written (or inherited)
    timezone: str | None
    entries: list[TimelineEntry] = field(default_factory=list)
    source: str | None = None

    def __getstate__(self) -> tuple[Any, ...]:
        """The entries as one JSON string, once they are placed in time.

        Pickled one by one, each entry was about ten objects that the pickler
        remembers until the whole environment is written: at N=300 that grew
        the process by 8 MiB while Sphinx pickled the environment, the build's
        peak of memory. Instants are kept in UTC; every reader converts them
        to the zone it shows.
        """
        fields = (self.line, self.timezone, self.source)
        if any(entry.head is not None for entry in self.entries):  # still being read
            return (None, *fields, self.entries)
        rows = [
            [
                e.line,
                e.text,
                e.stamp,
                e.approximate,
                e.dated,
                _instant(e.when),
                _instant(e.end),
                e.day.isoformat() if e.day else None,
                e.milestones,
                0 if e.source == self.source else e.source,  # 0: the timeline's own
            ]
            for e in self.entries
        ]
        return (PACKED, *fields, json.dumps(rows, ensure_ascii=False))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        packed, self.line, self.timezone, self.source, entries = state
        if packed is None:
            self.entries = entries
            return
        if packed != PACKED:
            raise ValueError(f"timeline entries packed as {packed!r}, not {PACKED!r}")
        self.entries = [
            TimelineEntry(
                line=line,
                text=text,
                stamp=stamp,
                approximate=approximate,
                dated=dated,
                when=dt.datetime.fromisoformat(when) if when else None,
                end=dt.datetime.fromisoformat(end) if end else None,
                day=dt.date.fromisoformat(day) if day else None,
                milestones=tuple(milestones),
                source=self.source if source == 0 else source,
            )
            for line, text, stamp, approximate, dated, when, end, day, milestones, source in (
                json.loads(entries)
            )
        ]


@dataclass(slots=True)
class Action:
    docname: str
    line: int | None
    title: str
    #: the id as given by :id:, or None until the document's incident gives one
    id: str | None = None
    anchor: str = ""
    incident: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    status: str = "open"
    priority: str = "P2"
    type: str | None = None
    tracker: str | None = None
    tracker_url: str | None = None
    completed: dt.date | None = None
    source: str | None = None
    #: of an incident older than postmortem_track_actions_since: shown, never warned about
    archived: bool = False

    @property
    def where(self) -> Location:
        return at(self.source, self.line, self.docname)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and not self.archived and self.due is not None and self.due < today
