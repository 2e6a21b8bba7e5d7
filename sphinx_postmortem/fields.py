"""Parsers of the values people write, shared by reST and MyST.

Each parser takes the text a writer typed and returns a typed value or raises
:class:`FieldError` with a message that says what was expected. Which option
of which directive each one reads is declared with the directive
(``directive.Field``); the checks of ``conf.py`` values are in ``config``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class FieldError(ValueError):
    """A field value that cannot be used; the message is shown to the writer."""


def parse_date(value: str) -> dt.date:
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FieldError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(f"{value!r} is not a valid date ({exc})") from None


def _spelling(name: str) -> str:
    """A name as people vary it: any case, with or without spaces, '-' and '_'."""
    return re.sub(r"[\s_-]+", "", name.casefold())


def parse_choice(value: str, choices: Sequence[str]) -> str:
    """One of ``choices``, in its configured spelling; ``sev 1`` finds ``SEV1``."""
    text = value.strip()
    if text in choices:
        return text
    wanted = _spelling(text)
    found = [choice for choice in choices if _spelling(choice) == wanted]
    if len(found) != 1 or not wanted:
        raise FieldError(f"{value!r} is not one of {', '.join(choices)}")
    return found[0]


def parse_list(value: str) -> tuple[str, ...]:
    """A comma-separated list; empty items are dropped."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_timezone(name: str) -> dt.tzinfo:
    text = name.strip()
    if text.upper() in ("UTC", "Z"):
        return dt.UTC
    try:
        if not text or text.startswith(("/", ".")) or ".." in text:
            raise ValueError(text)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise FieldError(
            f"{name!r} is not a time zone; use an IANA name such as Europe/Berlin, or UTC"
        ) from None


def timezone_name(value: str) -> str:
    """A valid time zone name, as written (``UTC`` for any spelling of it)."""
    parse_timezone(value)
    return "UTC" if value.strip().upper() in ("UTC", "Z") else value.strip()


_STAMP = (
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})[T ])?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_STAMP_RE = re.compile(_STAMP)
STAMP_FORMS = "YYYY-MM-DD HH:MM[:SS], ISO 8601 (2024-03-14T09:02:00+01:00) or HH:MM[:SS]"


@dataclass(frozen=True, slots=True)
class Stamp:
    """A timestamp as written: a date is optional, an offset too."""

    day: dt.date | None
    clock: dt.time
    #: an offset, or a zone written after the time (``CET``, ``PT``)
    offset: dt.tzinfo | None

    def resolve(self, default_day: dt.date | None, tz: dt.tzinfo) -> dt.datetime:
        """The instant this stamp names, in UTC; bare times fall on ``default_day`` in ``tz``.

        Wall times inside a daylight-saving change follow ``zoneinfo`` with ``fold=0``.
        """
        day = self.day or default_day
        if day is None:
            raise FieldError("a bare time needs a date: give the incident a :date:")
        if not 2 <= day.year <= 9998:  # room for any offset within datetime's range
            raise FieldError(f"{day.isoformat()} is outside the years 0002 to 9998")
        # In UTC: Python subtracts and compares two datetimes of one zone by
        # their wall clocks, which is wrong across a daylight-saving change.
        return dt.datetime.combine(day, self.clock, self.offset or tz).astimezone(dt.UTC)


def match_stamp(text: str) -> tuple[Stamp, int] | None:
    """Read a timestamp at the start of ``text``; return it and where it ends."""
    match = _STAMP_RE.match(text)
    if match is None:
        return None
    return _stamp_of(match, text), match.end()


def parse_stamp(value: str) -> Stamp:
    text = value.strip()
    match = _STAMP_RE.fullmatch(text)
    if match is None:
        raise FieldError(f"{value!r} is not a time; use {STAMP_FORMS}")
    return _stamp_of(match, value)


def _stamp_of(match: re.Match[str], value: str) -> Stamp:
    try:
        day = dt.date.fromisoformat(match["date"]) if match["date"] else None
        clock = dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        offset = None
        if match["offset"]:
            offset = _offset(match["offset"])
    except ValueError as exc:
        raise FieldError(f"{value.strip()!r} is not a valid time ({exc})") from None
    return Stamp(day, clock, offset)


def _offset(text: str) -> dt.timezone:
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} is out of range")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


#: zone abbreviations written after a time. Those that name standard or
#: summer time say their offset; the generic ones (``PT``) follow their zone.
ZONE_ABBREVIATIONS: dict[str, str] = {
    "UTC": "+00:00", "UT": "+00:00", "GMT": "+00:00", "Z": "+00:00",
    "WET": "+00:00", "WEST": "+01:00", "BST": "+01:00",
    "CET": "+01:00", "CEST": "+02:00", "MET": "+01:00", "MEST": "+02:00",
    "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00",
    "NST": "-03:30", "NDT": "-02:30", "ADT": "-03:00",
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00",
    "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00",
    "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00",
    "ET": "America/New_York", "CT": "America/Chicago",
    "MT": "America/Denver", "PT": "America/Los_Angeles",
    "SAST": "+02:00", "WAT": "+01:00", "CAT": "+02:00", "EAT": "+03:00",
    "PKT": "+05:00", "ICT": "+07:00", "WIB": "+07:00", "HKT": "+08:00",
    "SGT": "+08:00", "AWST": "+08:00", "JST": "+09:00", "KST": "+09:00",
    "ACST": "+09:30", "ACDT": "+10:30", "AEST": "+10:00", "AEDT": "+11:00",
    "NZST": "+12:00", "NZDT": "+13:00",
}  # fmt: skip
#: abbreviations of several zones at once: a warning, never a guess
AMBIGUOUS_ZONES = frozenset({"IST", "AST", "CCT", "GST", "SST", "AMT", "ECT"})

_CLOCK = r"(?P<{0}hour>\d{{1,2}}):(?P<{0}minute>\d{{2}})(?::(?P<{0}second>\d{{2}})(?:\.\d+)?)?"
_UNKNOWN_CLOCK = r"(?:\?\?|--|HH|hh|\d{1,2}):(?:\?\?|--|MM|mm)(?::(?:\?\?|--|SS|ss))?"
_ENTRY_HEAD = re.compile(
    r"(?P<approx>(?:~|≈|ca\.|circa\b)[ \t]*)?"
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:(?P<t>T)|[ \t]+(?=\d{1,2}:|\?\?:|--:|[Hh]{2}:)|(?=\D|$)))?"
    r"(?:"
    + _CLOCK.format("")
    # glued to the time: '-HH:MM' only in the ISO form with 'T' ('09:00-11:00' is a range)
    + r"(?P<offset>Z|(?(t)[+-]\d{2}(?::?\d{2})?|(?:\+\d{2}(?::?\d{2})?|-\d{4})))?(?!\d)"
    r"|(?P<unknown>" + _UNKNOWN_CLOCK + r"))?"
)
_RANGE = re.compile(
    r"[ \t]*(?:-|\u2013|\u2014|to|until)[ \t]*(?:(?P<enddate>\d{4}-\d{2}-\d{2})[ \t]+)?"
    + _CLOCK.format("end")
    + r"(?=[\s\[,;:)]|$)"
)
_ZONE = re.compile(
    r"[ \t]+\(?(?P<zone>(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|[+]\d{2}:?\d{2}|-\d{4}|[A-Z]{1,5})\)?"
    r"(?=[\s\[,;:.\u2013\u2014-]|$)"
)
_NEXT_MARKER = re.compile(r"[ \t]*(?:[-\u2013\u2014][ \t]+)?\[[A-Za-z]+\]")
ENTRY_FORMS = "such as 2024-03-14 09:02, 09:02, 2024-03-14T09:02:00+01:00, ~09:02 or ??:??"


@dataclass(frozen=True, slots=True)
class EntryHead:
    """The time at the head of a timeline entry, as written."""

    #: None when the time is not known (``??:??``, a date alone)
    start: Stamp | None
    #: the date written, also for an unknown time
    day: dt.date | None
    end: Stamp | None = None
    approximate: bool = False
    #: a zone abbreviation after the time that names no one zone
    unknown_zone: str | None = None


def match_entry_head(text: str) -> tuple[EntryHead, int] | None:
    """Read the time at the start of a timeline entry; return it and where it ends.

    None when ``text`` starts with no time or date; :class:`FieldError` when it
    starts with one that is not valid (``25:00``, ``2024-02-30``).
    """
    match = _ENTRY_HEAD.match(text)
    if match is None or not (match["date"] or match["hour"] or match["unknown"]):
        return None
    try:
        day = dt.date.fromisoformat(match["date"]) if match["date"] else None
    except ValueError as exc:
        raise FieldError(f"{match[0].strip()!r} is not a valid date ({exc})") from None
    approximate = bool(match["approx"])
    if not match["hour"]:
        return EntryHead(None, day, approximate=approximate), match.end()
    start = _stamp_of(match, text[: match.end()])
    end_at = match.end()
    end = None
    if found_range := _RANGE.match(text, end_at):
        end = _end_stamp(found_range, text)
        end_at = found_range.end()
    unknown_zone = None
    if start.offset is None and (zone := _ZONE.match(text, end_at)):
        name = zone["zone"]
        tz = zone_of(name)
        if tz is not None:
            start = Stamp(start.day, start.clock, tz)
            end = Stamp(end.day, end.clock, tz) if end else None
            end_at = zone.end()
        elif name in AMBIGUOUS_ZONES or _NEXT_MARKER.match(text, zone.end()):
            unknown_zone, end_at = name, zone.end()
    return EntryHead(start, day, end, approximate, unknown_zone), end_at


def _end_stamp(match: re.Match[str], text: str) -> Stamp:
    try:
        day = dt.date.fromisoformat(match["enddate"]) if match["enddate"] else None
        clock = dt.time(
            int(match["endhour"]), int(match["endminute"]), int(match["endsecond"] or 0)
        )
    except ValueError as exc:
        raise FieldError(f"{match[0].strip()!r} is not a valid end time ({exc})") from None
    return Stamp(day, clock, None)


def zone_of(name: str) -> dt.tzinfo | None:
    """The zone an abbreviation or offset after a time names; None when it names none."""
    upper = name.upper()
    if found := re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", upper):
        text = f"{found[1]}{int(found[2]):02d}:{found[3] or '00'}"
    elif re.fullmatch(r"[+-]\d{2}:?\d{2}", name):
        text = name
    elif name in ZONE_ABBREVIATIONS:
        text = ZONE_ABBREVIATIONS[name]
    else:
        return None
    if "/" in text:
        return ZoneInfo(text)
    try:
        return _offset(text)
    except ValueError:
        return None


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_ACTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def parse_action_id(value: str) -> str:
    text = value.strip()
    if not _ACTION_ID.fullmatch(text):
        raise FieldError(f"{value!r} is not an id: use letters, digits, '-', '_' and '.'")
    return text


def parse_tracker(value: str, url_format: str | None) -> tuple[str, str | None]:
    """A tracker URL or key, as (text shown, link or None)."""
    text = value.strip()
    if not text:
        raise FieldError("the tracker is empty")
    scheme = _SCHEME.match(text)
    if scheme is not None:
        if scheme[1].lower() not in ("http", "https"):
            raise FieldError(f"{value!r}: only http and https links are allowed")
        parts = urlsplit(text)
        if not parts.netloc or any(c.isspace() for c in text):
            raise FieldError(f"{value!r} is not a valid URL")
        return text, text
    if any(c.isspace() for c in text):
        raise FieldError(f"{value!r} is not a tracker key or URL")
    if url_format is None:
        return text, None
    return text, url_format.replace("{}", quote(text, safe=""))
