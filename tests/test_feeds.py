"""The calendar and the Atom feed, parsed back and read field by field."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from icalendar import Calendar

from sphinx_postmortem.feeds import (
    actions_calendar,
    calendars_by_owner,
    incidents_feed,
    owner_filename,
)
from sphinx_postmortem.records import Action, Incident

ATOM = {"a": "http://www.w3.org/2005/Atom"}
BASE = "https://kb.example.com/"
TODAY = dt.date(2024, 5, 1)
UTC = dt.UTC

INCIDENTS = [
    Incident(
        "INC-2024-007",
        "2024/disk",
        3,
        "inc-2024-007",
        title="INC-2024-007: Disk full",
        date=dt.date(2024, 3, 14),
        severity="SEV2",
        status="final",
        services=("payments-db",),
        times={
            "resolved": dt.datetime(2024, 3, 14, 10, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        },
    ),
    Incident(
        "INC-2024-009",
        "2024/cache",
        3,
        "inc-2024-009",
        title="Cache stampede",
        date=dt.date(2024, 4, 2),
        severity="SEV3",
    ),
]
ACTIONS = [
    Action(
        "2024/disk",
        10,
        "Alert at 80%; page storage",
        id="INC-2024-007-A1",
        anchor="inc-2024-007-a1",
        incident="INC-2024-007",
        owner="storage-team",
        due=dt.date(2024, 4, 1),
    ),
    Action(
        "2024/disk",
        20,
        "Runbook, failover",
        id="INC-2024-007-A2",
        anchor="inc-2024-007-a2",
        incident="INC-2024-007",
        owner="Platform Team",
        due=dt.date(2024, 6, 1),
        status="in-progress",
    ),
    Action(
        "2024/disk",
        30,
        "Done one",
        id="INC-2024-007-A3",
        anchor="inc-2024-007-a3",
        incident="INC-2024-007",
        owner="storage-team",
        due=dt.date(2024, 4, 1),
        status="done",
        completed=dt.date(2024, 4, 20),
    ),
    Action(
        "2024/cache",
        9,
        "Jitter the expiry",
        id="INC-2024-009-A1",
        anchor="inc-2024-009-a1",
        incident="INC-2024-009",
        owner="storage-team",
        due=None,
    ),
]


@pytest.fixture(autouse=True)
def no_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def todos(data: bytes) -> dict[str, dict[str, object]]:
    calendar = Calendar.from_ical(data)
    return {
        str(todo["summary"]): {
            "uid": str(todo["uid"]),
            "due": todo["due"].dt if "due" in todo else None,
            "status": str(todo["status"]),
            "categories": [str(c) for c in todo["categories"].cats] if "categories" in todo else [],
            "url": str(todo["url"]),
            "description": str(todo["description"]),
            "dtstamp": todo["dtstamp"].dt,
        }
        for todo in calendar.walk("VTODO")
    }


def test_one_todo_per_open_action_with_due_status_owner_and_link() -> None:
    data = actions_calendar(ACTIONS, INCIDENTS, BASE, TODAY)
    found = todos(data)
    assert list(found) == [
        "Alert at 80%; page storage (INC-2024-007-A1)",
        "Runbook, failover (INC-2024-007-A2)",
        "Jitter the expiry (INC-2024-009-A1)",
    ]
    first = found["Alert at 80%; page storage (INC-2024-007-A1)"]
    assert first == {
        "uid": "INC-2024-007-A1@kb.example.com",
        "due": dt.date(2024, 4, 1),
        "status": "NEEDS-ACTION",
        "categories": ["storage-team"],
        "url": "https://kb.example.com/2024/disk.html#inc-2024-007-a1",
        "description": "From INC-2024-007: Disk full. Priority P2. It is overdue.",
        "dtstamp": dt.datetime(2024, 5, 1, tzinfo=UTC),
    }
    assert found["Runbook, failover (INC-2024-007-A2)"]["status"] == "IN-PROCESS"
    assert found["Jitter the expiry (INC-2024-009-A1)"]["due"] is None
    assert "From INC-2024-009: Cache stampede." in str(
        found["Jitter the expiry (INC-2024-009-A1)"]["description"]
    )
    assert Calendar.from_ical(data)["prodid"] == "-//sphinx-postmortem//actions//EN"


def test_same_bytes_twice_and_the_stamp_follows_source_date_epoch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert actions_calendar(ACTIONS, INCIDENTS, BASE, TODAY) == actions_calendar(
        ACTIONS, INCIDENTS, BASE, TODAY
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714564800")
    stamps = {
        t["dtstamp"] for t in todos(actions_calendar(ACTIONS, INCIDENTS, BASE, TODAY)).values()
    }
    assert stamps == {dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)}
    assert incidents_feed(INCIDENTS, ACTIONS, BASE, TODAY) == incidents_feed(
        INCIDENTS, ACTIONS, BASE, TODAY
    )


def test_one_calendar_per_owner() -> None:
    calendars = calendars_by_owner(ACTIONS, INCIDENTS, BASE, TODAY)
    assert sorted(calendars) == [
        "postmortem-actions-platform-team.ics",
        "postmortem-actions-storage-team.ics",
    ]
    assert owner_filename("Platform Team") == "postmortem-actions-platform-team.ics"
    storage = todos(calendars["postmortem-actions-storage-team.ics"])
    assert [t["uid"] for t in storage.values()] == [
        "INC-2024-007-A1@kb.example.com",
        "INC-2024-009-A1@kb.example.com",
    ]
    assert (
        str(Calendar.from_ical(calendars["postmortem-actions-storage-team.ics"])["x-wr-calname"])
        == "Post-mortem actions: storage-team"
    )


def test_atom_entries_are_updated_by_resolution_and_completed_actions() -> None:
    root = ET.fromstring(incidents_feed(INCIDENTS, ACTIONS, BASE, TODAY))
    entries = [
        {
            "title": e.findtext("a:title", namespaces=ATOM),
            "updated": e.findtext("a:updated", namespaces=ATOM),
            "published": e.findtext("a:published", namespaces=ATOM),
            "link": e.find("a:link", ATOM).get("href"),  # type: ignore[union-attr]
            "summary": e.findtext("a:summary", namespaces=ATOM),
            "categories": [c.get("term") for c in e.findall("a:category", ATOM)],
        }
        for e in root.findall("a:entry", ATOM)
    ]
    assert entries == [
        {
            "title": "INC-2024-007: Disk full",
            "updated": "2024-04-20T00:00:00+00:00",
            "published": "2024-03-14T00:00:00+00:00",
            "link": "https://kb.example.com/2024/disk.html",
            "summary": "SEV2; status final; services payments-db; 2 of 3 actions open.",
            "categories": ["SEV2", "payments-db"],
        },
        {
            "title": "Cache stampede",
            "updated": "2024-04-02T00:00:00+00:00",
            "published": "2024-04-02T00:00:00+00:00",
            "link": "https://kb.example.com/2024/cache.html",
            "summary": "SEV3; status draft; 1 of 1 actions open.",
            "categories": ["SEV3"],
        },
    ]
    assert root.findtext("a:updated", namespaces=ATOM) == "2024-04-20T00:00:00+00:00"
    ids = [e.findtext("a:id", namespaces=ATOM) for e in root.findall("a:entry", ATOM)]
    assert all(i and i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2


def test_resolution_after_the_last_completed_action_moves_the_entry() -> None:
    early = [a for a in ACTIONS if a.id != "INC-2024-007-A3"]
    root = ET.fromstring(incidents_feed(INCIDENTS[:1], early, "", TODAY))
    entry = root.find("a:entry", ATOM)
    assert entry is not None
    assert entry.findtext("a:updated", namespaces=ATOM) == "2024-03-14T09:05:00+00:00"
    assert entry.find("a:link", ATOM).get("href") == "2024/disk.html"  # type: ignore[union-attr]


def test_characters_xml_cannot_hold_do_not_break_the_feed() -> None:
    odd = Incident(
        "INC-2024-010",
        "2024/odd",
        3,
        "inc-2024-010",
        title="Bell\x07 and\x00 null",
        tags=("t\x1b",),
    )
    feed = ET.fromstring(incidents_feed([odd], [], BASE, TODAY))
    (entry,) = feed.findall("a:entry", ATOM)
    assert entry.findtext("a:title", namespaces=ATOM) == "Bell\ufffd and\ufffd null"
    assert [c.get("term") for c in entry.findall("a:category", ATOM)] == ["t\ufffd"]
