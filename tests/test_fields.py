"""Field values as writers type them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sphinx_postmortem.fields import (
    FieldError,
    parse_action_id,
    parse_date,
    parse_list,
    parse_stamp,
    parse_timezone,
    parse_tracker,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-03-14 09:02", "2024-03-14T09:02:00+01:00"),
        ("2024-03-14 09:02:30", "2024-03-14T09:02:30+01:00"),
        ("2024-03-14T09:02:00+01:00", "2024-03-14T09:02:00+01:00"),
        ("2024-03-14T08:02:00Z", "2024-03-14T08:02:00+00:00"),
        ("2024-03-14T09:02-0500", "2024-03-14T09:02:00-05:00"),
        ("09:12", "2024-03-14T09:12:00+01:00"),
        ("9:12:05", "2024-03-14T09:12:05+01:00"),
        # summer time: the offset follows the zone, not the incident's date
        ("2024-07-01 12:00", "2024-07-01T12:00:00+02:00"),
        # a wall time that does not exist (clocks jump 02:00 -> 03:00): fold=0
        # reads it with the offset before the change, so it is 03:30 summer time
        ("2024-03-31 02:30", "2024-03-31T03:30:00+02:00"),
        # a wall time that happens twice (03:00 -> 02:00): fold=0, the first
        ("2024-10-27 02:30", "2024-10-27T02:30:00+02:00"),
    ],
)
def test_stamps(written: str, expected: str) -> None:
    when = parse_stamp(written).resolve(dt.date(2024, 3, 14), BERLIN)
    assert (
        when.astimezone(BERLIN).isoformat()
        == dt.datetime.fromisoformat(expected).astimezone(BERLIN).isoformat()
    )


@pytest.mark.parametrize(
    "written", ["yesterday", "2024-03-14", "24:00", "09:60", "2024-02-30 10:00", "09:00+25:00"]
)
def test_bad_stamps(written: str) -> None:
    with pytest.raises(FieldError):
        parse_stamp(written).resolve(dt.date(2024, 3, 14), dt.UTC)


def test_durations_across_a_daylight_saving_change_count_real_time() -> None:
    # 2026-10-25: Berlin's clocks go back from 03:00 to 02:00
    started = parse_stamp("2026-10-25 01:30").resolve(None, BERLIN)
    resolved = parse_stamp("2026-10-25 03:30").resolve(None, BERLIN)
    assert resolved - started == dt.timedelta(hours=3)
    assert started < resolved


def test_bare_time_needs_a_date() -> None:
    with pytest.raises(FieldError, match="needs a date"):
        parse_stamp("09:00").resolve(None, dt.UTC)


@pytest.mark.parametrize("written", ["2024-3-1", "14.03.2024", "2024-02-30", "", "2024-03-14x"])
def test_bad_dates(written: str) -> None:
    with pytest.raises(FieldError):
        parse_date(written)


def test_timezones() -> None:
    assert parse_timezone("UTC") is dt.UTC
    assert parse_timezone(" Europe/Berlin ") == BERLIN
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "CET+1"):
        with pytest.raises(FieldError, match="not a time zone"):
            parse_timezone(bad)


def test_lists_drop_empty_items() -> None:
    assert parse_list(" checkout, payments-db ,, ") == ("checkout", "payments-db")


@pytest.mark.parametrize(
    ("written", "url_format", "expected"),
    [
        ("OPS-123", None, ("OPS-123", None)),
        ("OPS-123", "https://t.example/browse/{}", ("OPS-123", "https://t.example/browse/OPS-123")),
        ("a/b c", None, FieldError),
        ("https://t.example/x", None, ("https://t.example/x", "https://t.example/x")),
        ("HTTP://t.example/x", None, ("HTTP://t.example/x", "HTTP://t.example/x")),
        ("javascript:alert(1)", None, FieldError),
        ("JavaScript:alert(1)", "https://t.example/{}", FieldError),
        ("data:text/html,x", None, FieldError),
        ("ftp://t.example/x", None, FieldError),
        ("https://", None, FieldError),
        ("K<script>", "https://t.example/{}", ("K<script>", "https://t.example/K%3Cscript%3E")),
    ],
)
def test_trackers(written: str, url_format: str | None, expected: object) -> None:
    if expected is FieldError:
        with pytest.raises(FieldError):
            parse_tracker(written, url_format)
    else:
        assert parse_tracker(written, url_format) == expected


def test_action_ids() -> None:
    assert parse_action_id("DB_disk.alert-1") == "DB_disk.alert-1"
    for bad in ("has space", "-leading", "ünïcode", "a/b"):
        with pytest.raises(FieldError):
            parse_action_id(bad)


@pytest.mark.parametrize("written", ["0001-01-01 00:30", "9999-12-31T23:30-05:00"])
def test_instants_at_the_ends_of_the_calendar_are_refused(written: str) -> None:
    with pytest.raises(FieldError, match="outside the years"):
        parse_stamp(written).resolve(None, BERLIN)
