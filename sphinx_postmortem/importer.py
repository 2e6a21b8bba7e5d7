"""``sphinx-postmortem import``: existing Markdown post-mortems as pages of the knowledge base.

:func:`convert` is pure: it reads the shapes real post-mortems take (front
matter, bold ``**Field:**`` headers, ``Key: value`` bullets, timeline tables and
timestamped lines, action tables, checklists and lists) and writes a MyST page
with colon fences. Whatever it cannot decide (severity, owners, due dates,
milestones) it leaves out, so that the build warns, and lists in the report.
Every prose paragraph, timeline row and action item of the source is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fields import FieldError, parse_stamp, parse_timezone
from .knowledge_base import KnowledgeBase, UsageError, numbers
from .markup import slug

#: abbreviations people write, as IANA names; CET and its kin have had the same
#: rules in every country that uses them since 1996, so one city stands for all
ZONES = {
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
    "ZULU": "UTC",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "MET": "Europe/Paris",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "BST": "Europe/London",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "MOUNTAIN": "America/Denver",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "CENTRAL": "America/Chicago",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "EASTERN": "America/New_York",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}
#: abbreviations that name more than one zone: the default above is a guess
AMBIGUOUS_ZONES = {"CET", "CEST", "MET", "CST", "CT", "CENTRAL", "IST", "BST", "EET", "EEST"}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE_FORMS = [
    re.compile(r"(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})/(?P<mnum>\d{1,2})/(?P<day>\d{1,2})"),
    re.compile(r"(?P<day>\d{1,2})[/.](?P<mnum>\d{1,2})[/.](?P<year>\d{4})"),
    re.compile(
        _WEEKDAY
        + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?\s+"
        + _MONTH
        + r"(?:,?\s+(?P<year>\d{4}))?",
        re.I,
    ),
    re.compile(
        _WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?", re.I
    ),
]

#: source field names (lower case, letters only) -> incident option
INCIDENT_KEYS = {
    "date": "date",
    "incidentdate": "date",
    "day": "date",
    "severity": "severity",
    "sev": "severity",
    "status": "status",
    "state": "status",
    "owner": "owner",
    "incidentowner": "owner",
    "incidentcommander": "owner",
    "team": "owner",
    "author": "authors",
    "authors": "authors",
    "writtenby": "authors",
    "service": "services",
    "services": "services",
    "affectedservices": "services",
    "tags": "tags",
    "labels": "tags",
    "category": "tags",
    "timezone": "timezone",
    "tz": "timezone",
    "started": "started",
    "impactstart": "started",
    "detected": "detected",
    "mitigated": "mitigated",
    "resolved": "resolved",
    "title": "title",
    "id": "id",
    "incidentid": "id",
}
#: source column or sub-item names -> action option
ACTION_KEYS = {
    "owner": "owner",
    "owners": "owner",
    "assignee": "owner",
    "assigned": "owner",
    "assignedto": "owner",
    "who": "owner",
    "responsible": "owner",
    "due": "due",
    "duedate": "due",
    "deadline": "due",
    "target": "due",
    "targetdate": "due",
    "eta": "due",
    "status": "status",
    "state": "status",
    "priority": "priority",
    "prio": "priority",
    "type": "type",
    "kind": "type",
    "bug": "tracker",
    "ticket": "tracker",
    "issue": "tracker",
    "jira": "tracker",
    "tracker": "tracker",
    "tracking": "tracker",
    "link": "tracker",
}
_ACTION_TITLE_KEYS = ("action", "task", "item", "description", "what", "title", "todo", "summary")
ACTION_STATUSES = {
    "open": "open",
    "todo": "open",
    "new": "open",
    "notstarted": "open",
    "planned": "open",
    "backlog": "open",
    "inprogress": "in-progress",
    "started": "in-progress",
    "doing": "in-progress",
    "wip": "in-progress",
    "ongoing": "in-progress",
    "done": "done",
    "closed": "done",
    "complete": "done",
    "completed": "done",
    "fixed": "done",
    "resolved": "done",
    "wontdo": "wont-do",
    "wontfix": "wont-do",
    "cancelled": "wont-do",
    "canceled": "wont-do",
    "dropped": "wont-do",
}
INCIDENT_STATUSES = {
    "draft": "draft",
    "inreview": "in-review",
    "review": "in-review",
    "final": "final",
}
DEFAULT_ACTION_TYPES = ("prevent", "mitigate", "detect", "process", "investigate", "repair")
DEFAULT_PRIORITIES = ("P0", "P1", "P2", "P3")

_TIMELINE_HEADING = re.compile(
    r"time\s*-?\s*line|chronolog|sequence of events|what happened when", re.I
)
_ACTION_HEADING = re.compile(
    r"action|follow[\s-]*ups?|next steps|remediation|to-?dos?\b|tasks|corrective|improvements", re.I
)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
_BULLET = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*+]|\d{1,3}[.)])\s+(?P<rest>.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOLD_FIELD = re.compile(
    r"^\s*(?:[-*+]\s+)?\*\*(?P<key>[^*]{1,40}?)\s*(?::\*\*|\*\*\s*:)\s*(?P<value>.*)$"
)
_PLAIN_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w ()/-]{0,39}?)\s*:\s+(?P<value>\S.*)$")
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s+")
_INLINE_META = re.compile(r"\s*\((?P<meta>@[^()]*|(?:owner|due)\s*:[^()]*)\)\s*$", re.I)
_TRACKER_KEY = re.compile(r"^[A-Z][A-Z0-9]+-\d+$")
_TRACKER_URL = re.compile(
    r"https?://\S+?(?:/issues/\d+|/pull/\d+|/browse/[A-Z][A-Z0-9]+-\d+|/-/issues/\d+)"
)
_CLOCK = r"(?:\d{1,2}|\?\?|--|[Hh]{2}):(?:\d{2}|\?\?|--|[Mm]{2})(?::\d{2}(?:\.\d+)?)?"
_ZONE_WORD = "|".join(sorted((z for z in ZONES if len(z) <= 4), key=len, reverse=True))
_ROW_STAMP = re.compile(
    r"^(?P<approx>~\s*|ca\.\s*|approx\.?\s*|about\s+)?"
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})(?:[T\s]+|(?=\s*$|\s*[-|\u2013—:]\s)))?"
    r"(?P<time>" + _CLOCK + r")?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    r"(?P<approx_after>~)?"
    r"(?:\s*(?:-|\u2013|to)\s*(?P<end>" + _CLOCK + r"))?"
    r"(?P<zone>Z|\s*[+-]\d{2}:?\d{2}|\s+(?:" + _ZONE_WORD + r")\b)?",
)
_SEPARATOR = re.compile(r"^\s*(?:[-\u2013—:|]\s+|[-\u2013—:](?=\S)|\s+|$)")
_PROSE_ZONE = [
    re.compile(
        r"\ball\s+times\s+(?:are\s+|shown\s+)?(?:in\s+)?(?:the\s+)?(?P<zone>[A-Za-z][\w/+-]*(?:\s*/\s*[A-Z]{2,5})?)",
        re.I,
    ),
    re.compile(
        r"\btimes?\s+(?:are\s+|is\s+)?in\s+(?P<zone>[A-Z]{2,5}(?:/[A-Z]{2,5})?|[A-Z][a-z]+/[A-Za-z_]+)\b"
    ),
    re.compile(r"\b(?P<zone>Pacific|Eastern|Central|Mountain)\s+Time\b"),
]
_HEADER_ZONE = re.compile(r"(?:\(|\[|\bin\s+)(?P<zone>[A-Za-z][\w/+-]*)\)?\]?\s*$")
_MILESTONE_HINTS = {
    "started": re.compile(r"\b(?:start|began|trigger|impact start)", re.I),
    "detected": re.compile(r"\b(?:detect|alert|paged|notic|reported|discover)", re.I),
    "mitigated": re.compile(r"\b(?:mitigat|rolled back|rollback|workaround|recover)", re.I),
    "resolved": re.compile(r"\b(?:resolved|operational|back to normal|closed|fixed)", re.I),
}


@dataclass
class Converted:
    """A converted post-mortem: the page, and what a person must still decide."""

    text: str
    report: list[str]
    #: read from the source, to check that nothing was lost
    paragraphs: int
    timeline_rows: int
    actions: int
    title: str
    date: dt.date | None
    #: what was read, for the command's output
    read: list[str] = field(default_factory=list)


# -- small parsers ---------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def normalize(text: str) -> str:
    """LF line endings, no BOM, no trailing spaces, tabs in indentation as four spaces."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)].expandtabs(4)
        lines.append((indent + stripped).rstrip())
    return "\n".join(lines)


def find_date(text: str, default_year: int | None = None) -> tuple[dt.date, str] | None:
    """The first date written in ``text`` (ISO, day-first numbers, or with a month name)."""
    found: list[tuple[int, dt.date, str]] = []
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            month = (
                int(match["mnum"])
                if "mnum" in match.re.groupindex
                else MONTHS[match["month"].lower().rstrip(".")]
            )
            year = match["year"] or default_year
            if year is None:
                continue
            try:
                found.append(
                    (match.start(), dt.date(int(year), month, int(match["day"])), match[0])
                )
            except ValueError:
                continue
            break
    if not found:
        return None
    _, day, written = min(found, key=lambda f: f[0])
    return day, written


def parse_due(value: str, incident_date: dt.date | None) -> dt.date | None:
    """A due date; a day and month without a year falls on or after the incident's date."""
    text = value.strip()
    whole = find_date(text, default_year=incident_date.year if incident_date else None)
    if whole is None or len(whole[1].strip()) < len(text.strip(" .")) - 1:
        return None
    day = whole[0]
    has_year = re.search(r"\d{4}", whole[1]) is not None
    if not has_year and incident_date is not None and day < incident_date:
        day = day.replace(year=day.year + 1)
    return day


def resolve_zone(written: str) -> tuple[str, bool] | None:
    """An IANA name for a zone as written, and whether that was a guess among several."""
    text = written.strip().strip("().[]")
    for part in re.split(r"\s*/\s*(?=[A-Z]{2,5}$)", text):
        upper = part.upper().removesuffix(" TIME")
        if upper in ZONES:
            return ZONES[upper], upper in AMBIGUOUS_ZONES
    if "/" in text:
        try:
            parse_timezone(text)
        except FieldError:
            return None
        return text, False
    return None


def normalize_choice(value: str, choices: Sequence[str]) -> str | None:
    """The configured spelling of a value written with other case, spaces or dashes."""
    wanted = _key(value)
    matches = [c for c in choices if _key(c) == wanted]
    if len(matches) == 1:
        return matches[0]
    starts = [c for c in choices if wanted and _key(c).startswith(wanted[:4]) and len(wanted) >= 4]
    return starts[0] if len(starts) == 1 else None


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row; ``\\|`` stays in its cell."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", text)]


# -- blocks ----------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # heading, code, table, list, para, blank
    lines: list[str]
    level: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def blocks_of(lines: list[str]) -> list[Block]:
    """Headings, fenced code, tables, lists and paragraphs, in order."""
    out: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if fence := _FENCE.match(line):
            end = i + 1
            marker = fence["fence"]
            while end < len(lines) and not lines[end].strip().startswith(marker):
                end += 1
            out.append(Block("code", lines[i : end + 1]))
            i = end + 1
            continue
        if heading := _HEADING.match(line):
            out.append(Block("heading", [line], len(heading["hashes"])))
            i += 1
            continue
        if (
            "|" in line
            and i + 1 < len(lines)
            and _TABLE_SEP.match(lines[i + 1])
            and "-" in lines[i + 1]
        ):
            end = i + 2
            while end < len(lines) and "|" in lines[end] and lines[end].strip():
                end += 1
            out.append(Block("table", lines[i:end]))
            i = end
            continue
        if _BULLET.match(line):
            end = _list_end(lines, i)
            out.append(Block("list", lines[i:end]))
            i = end
            continue
        end = i + 1
        while end < len(lines) and lines[end].strip() and not _starts_block(lines, end):
            end += 1
        out.append(Block("para", lines[i:end]))
        i = end
    return out


def _starts_block(lines: list[str], i: int) -> bool:
    line = lines[i]
    return bool(
        _HEADING.match(line)
        or _FENCE.match(line)
        or (_BULLET.match(line) and not line.startswith("    "))
    )


def _list_end(lines: list[str], start: int) -> int:
    """A list runs on over blank lines while what follows is indented or another item."""
    first = _BULLET.match(lines[start])
    assert first is not None
    indent = len(first["indent"])
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if not line.strip():
            nxt = next((j for j in range(end, len(lines)) if lines[j].strip()), None)
            if nxt is None:
                return end
            follow = lines[nxt]
            bullet = _BULLET.match(follow)
            indented = len(follow) - len(follow.lstrip()) > indent
            if not indented and not (bullet and len(bullet["indent"]) == indent):
                return end
            end = nxt
            continue
        if _HEADING.match(line) or (
            _FENCE.match(line) and len(line) - len(line.lstrip()) <= indent
        ):
            return end
        end += 1
    return end


def list_items(block: Block) -> list[list[str]]:
    """The top-level items of a list block, each with its continuation lines."""
    first = _BULLET.match(block.lines[0])
    assert first is not None
    indent = len(first["indent"])
    items: list[list[str]] = []
    for line in block.lines:
        bullet = _BULLET.match(line)
        if bullet and len(bullet["indent"]) == indent:
            items.append([line])
        else:
            items[-1].append(line)
    for item in items:
        while item and not item[-1].strip():
            item.pop()
    return items


# -- the converter -----------------------------------------------------------------


@dataclass
class _State:
    incident_id: str
    severities: Sequence[str]
    default_year: int | None
    report: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    extra_front: dict[str, Any] = field(default_factory=dict)
    zone: tuple[str, str] | None = None  # IANA name, where it came from
    date: dt.date | None = None
    paragraphs: int = 0
    rows: int = 0
    actions: int = 0
    first_row_date: dt.date | None = None
    hints: list[str] = field(default_factory=list)

    def set_zone(self, written: str, where: str) -> bool:
        resolved = resolve_zone(written)
        if resolved is None:
            return False
        name, guessed = resolved
        if self.zone is None:
            self.zone = (name, where)
            self.read.append(f"time zone {name} (from {where})")
            if guessed:
                self.report.append(
                    f"time zone: {written.strip()!r} is read as {name}; if the team is elsewhere, "
                    "set :timezone: to its IANA name (e.g. Europe/Copenhagen)"
                )
        elif self.zone[0] != name:
            self.report.append(
                f"time zone: {where} says {written.strip()!r} but {self.zone[1]} says "
                f"{self.zone[0]}; kept {self.zone[0]}, check which is right"
            )
        return True


def convert(
    text: str,
    *,
    incident_id: str,
    source_name: str,
    timezone: str | None,
    severities: Sequence[str],
    default_year: int | None = None,
) -> Converted:
    """Turn one Markdown post-mortem into a MyST page of the knowledge base."""
    state = _State(incident_id, severities, default_year)
    if timezone and not state.set_zone(timezone, "--timezone"):
        state.report.append(f"time zone: --timezone {timezone!r} is not a zone; ignored")
    lines = normalize(text).split("\n")
    lines = _front_matter(lines, state)
    blocks = blocks_of(lines)
    title, blocks = _title(blocks, source_name, state)
    _scan_zone_prose(blocks, state)
    body = _sections(blocks, state)
    _settle_fields(state)
    _links_to_sources(lines, state)
    page = _page(title, body, state)
    return Converted(
        text=page,
        report=state.report,
        paragraphs=state.paragraphs,
        timeline_rows=state.rows,
        actions=state.actions,
        title=title,
        date=state.date,
        read=state.read,
    )


def _front_matter(lines: list[str], state: _State) -> list[str]:
    if not lines or lines[0] not in ("---", "+++"):
        return lines
    marker = lines[0]
    try:
        end = lines.index(marker, 1)
    except ValueError:
        state.report.append(f"front matter: no closing {marker!r}; read as text")
        return lines
    raw = "\n".join(lines[1:end])
    data: dict[str, Any]
    if marker == "+++":
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            state.report.append(f"front matter (TOML) not read ({exc}); kept as text")
            return ["```toml", *lines[1:end], "```", *lines[end + 1 :]]
    else:
        data = _simple_yaml(lines[1:end])
    kinds = "YAML" if marker == "---" else "TOML"
    for key, value in data.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if not _take_field(key, shown, f"front matter ({kinds})", state):
            state.extra_front[key] = value
    return lines[end + 1 :]


def _simple_yaml(lines: list[str]) -> dict[str, Any]:
    """Flat ``key: value`` front matter, with ``[a, b]`` or ``- item`` lists."""
    data: dict[str, Any] = {}
    last: str | None = None
    for line in lines:
        item = re.match(r"^\s+-\s+(.*)$", line) or re.match(r"^-\s+(.*)$", line)
        if item and last is not None:
            current = data.get(last)
            data[last] = [*(current if isinstance(current, list) else []), _unquote(item[1])]
            continue
        match = re.match(r"^([\w-]+)\s*:\s*(.*)$", line)
        if match is None:
            continue
        last, value = match[1], match[2].strip()
        if value.startswith("[") and value.endswith("]"):
            data[last] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        else:
            data[last] = _unquote(value) if value else []
    return data


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _take_field(key: str, value: str, where: str, state: _State) -> bool:
    """Use a source field as an incident option; False when it is not one (keep it)."""
    option = INCIDENT_KEYS.get(_key(key))
    value = value.strip()
    if option is None or not value:
        return False
    if option == "timezone":
        return state.set_zone(value, where)
    if option in ("title", "id"):
        state.fields.setdefault(option, value)
        return True
    if option == "date":
        found = find_date(value, state.default_year)
        if found is None:
            state.report.append(f"date: {value!r} ({where}) is not a date; kept as text")
            return False
        state.date = state.date or found[0]
        state.read.append(f"date {found[0].isoformat()} (from {where})")
        return True
    if option == "severity":
        return _take_severity(value, where, state)
    if option == "status":
        status = INCIDENT_STATUSES.get(_key(value))
        if status is None:
            return False
        state.fields["status"] = status
        return True
    if option in ("started", "detected", "mitigated", "resolved"):
        try:
            parse_stamp(value)
        except FieldError:
            return False
    state.fields[option] = value
    state.read.append(f"{option} (from {where})")
    return True


def _take_severity(value: str, where: str, state: _State) -> bool:
    severity = normalize_choice(value, state.severities)
    if severity is None:
        state.report.append(
            f"severity: {value!r} ({where}) is not one of {', '.join(state.severities)}; "
            "choose one and set :severity:"
        )
        return False
    state.fields["severity"] = severity
    state.read.append(f"severity {severity} (from {where}: {value!r})")
    return True


def _title(blocks: list[Block], source_name: str, state: _State) -> tuple[str, list[Block]]:
    """The first level-1 heading, without a date it carries (which becomes the date)."""
    title = state.fields.get("title", "")
    rest = list(blocks)
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level == 1:
            written = _HEADING.match(block.lines[0])
            assert written is not None
            if not title:
                title = written["text"]
            del rest[index]
            break
    if not title:
        stem = Path(source_name).name.removesuffix(".md").removesuffix(".markdown")
        title = re.sub(r"^[A-Z]+[-_]?\d{4}[-_]\d+\s*[-\u2013—:]?\s*", "", stem).strip() or stem
        state.report.append(
            f"title: the source has no '# Title' line; {title!r} is from its file name"
        )
    found = find_date(title, None)
    if found is not None:
        stripped = re.sub(
            r"^[\s:\u2013—|-]+|[\s:\u2013—|(-]+$", "", title.replace(found[1], "").replace("()", "")
        )
        if stripped:
            title = stripped
        if state.date is None:
            state.date = found[0]
            state.read.append(f"date {found[0].isoformat()} (from the title)")
    title = " ".join(title.split())
    for block in rest:  # a second level-1 heading is a section of this page
        if block.kind == "heading" and block.level == 1:
            state.report.append(
                f"heading {block.lines[0]!r} is level 1 after the title; written as '##'"
            )
            block.lines[0] = "#" + block.lines[0]
            block.level = 2
    return title, rest


def _scan_zone_prose(blocks: list[Block], state: _State) -> None:
    for block in blocks:
        if block.kind not in ("para", "list"):
            continue
        for pattern in _PROSE_ZONE:
            match = pattern.search(block.text)
            if match and state.set_zone(match["zone"], repr(" ".join(match[0].split()))):
                return


def _sections(blocks: list[Block], state: _State) -> list[str]:
    """The page body: each block as it was, or as directives in timeline and action sections."""
    out: list[str] = []
    kinds: list[tuple[int, str]] = []  # (heading level, section kind) from the outside in
    day: dt.date | None = None
    for block in blocks:
        kind = kinds[-1][1] if kinds else ""
        if block.kind == "heading":
            text = _HEADING.match(block.lines[0])
            assert text is not None
            if kind == "timeline" and (only := _date_only(text["text"], state)) is not None:
                day = only
                continue
            while kinds and kinds[-1][0] >= block.level:
                kinds.pop()
            inherited = kinds[-1][1] if kinds else ""
            own = (
                "timeline"
                if _TIMELINE_HEADING.search(text["text"])
                else "actions"
                if _ACTION_HEADING.search(text["text"])
                else ""
            )
            kinds.append((block.level, own or inherited))
            out.append(block.text)
            continue
        if kind == "timeline":
            produced, day = _timeline_block(block, day, state)
        elif kind == "actions":
            produced = _action_block(block, state)
        else:
            produced = _prose_block(block, state)
        if produced:
            out.append(produced)
    return out


def _date_only(text: str, state: _State) -> dt.date | None:
    """The date of a heading or line that holds only a date (and perhaps a weekday)."""
    bare = text.strip().strip("*_:").strip()
    found = find_date(bare, state.date.year if state.date else state.default_year)
    if found is None or len(found[1]) < len(bare) - 1:
        return None
    return found[0]


def _prose_block(block: Block, state: _State) -> str:
    if block.kind in ("para", "list"):
        kept = _fields_in(block, state)
        if not kept:
            return ""
        state.paragraphs += 1
        return "\n".join(kept)
    return block.text


def _fields_in(block: Block, state: _State) -> list[str]:
    """Lines of a paragraph or list less the ``**Field:** value`` and ``- Key: value`` read."""
    kept: list[str] = []
    items = list_items(block) if block.kind == "list" else [[line] for line in block.lines]
    for item in items:
        line = item[0]
        match = _BOLD_FIELD.match(line)
        if match is None and block.kind == "list" and len(item) == 1:
            bullet = _BULLET.match(line)
            match = _PLAIN_FIELD.match(bullet["rest"]) if bullet else None
        if match is not None and len(item) == 1:
            key, value = match["key"].strip(), match["value"].strip()
            if _take_field(key, value, f"'{key}:'", state):
                continue
            if re.match(r"time\s*to\s*(detect|recover|resolv|mitigat|repair|restor)", key, re.I):
                state.report.append(
                    f"'{key}: {value}' is kept as text; mark [started] and [detected] or "
                    "[resolved] in the timeline and the build computes it"
                )
        kept.extend(item)
    return kept


# -- timelines ---------------------------------------------------------------------


@dataclass
class _Row:
    stamp: str  # as the entry will start
    text: str
    problem: str = ""  # why a build will warn today, empty when it will not


def _timeline_block(block: Block, day: dt.date | None, state: _State) -> tuple[str, dt.date | None]:
    rows: list[_Row] = []
    if block.kind == "table":
        table = _table_rows(block, state)
        if table is None:
            return _prose_block(block, state), day
        rows = table
    elif block.kind in ("para", "list"):
        lines = (
            [" ".join(" ".join(item).split()) for item in list_items(block)]
            if block.kind == "list"
            else block.lines
        )
        stamped = [_row_of(_strip_bullet(line), day, state) for line in lines]
        if not any(r is not None for r in stamped):
            if (
                block.kind == "para"
                and len(block.lines) == 1
                and (only := _date_only(block.lines[0], state))
            ):
                return "", only
            return _prose_block(block, state), day
        for line, row in zip(lines, stamped, strict=True):
            if row is None and (only := _date_only(_strip_bullet(line), state)) is not None:
                day = only
                continue
            rows.append(row or _unread_row(_strip_bullet(line), state))
            if row is not None and (found := re.match(r"~?(\d{4}-\d{2}-\d{2})", row.stamp)):
                day = dt.date.fromisoformat(found[1])
    else:
        return block.text, day
    state.rows += len(rows)
    for row in rows:
        if row.problem:
            state.report.append(f"timeline: '{row.stamp} {row.text[:50]}': {row.problem}")
    entries = "\n".join(f"- {row.stamp} {row.text}".rstrip() for row in rows)
    return f":::{{timeline}}\n{entries}\n:::", day


def _strip_bullet(line: str) -> str:
    bullet = _BULLET.match(line)
    text = bullet["rest"] if bullet else line.strip()
    return re.sub(r"^\*\*([^*]+)\*\*", r"\1", text)


def _unread_row(line: str, state: _State) -> _Row:
    return _Row(line, "", "the time could not be read; the entry is kept and the build warns")


def _table_rows(block: Block, state: _State) -> list[_Row] | None:
    header = split_row(block.lines[0])
    names = [_key(cell) for cell in header]
    time_col = next(
        (i for i, n in enumerate(names) if "time" in n or n in ("when", "timestamp")), None
    )
    date_col = next((i for i, n in enumerate(names) if n in ("date", "day")), None)
    if time_col is None:
        time_col, date_col = date_col, None
    if time_col is None:
        return None
    zone = _HEADER_ZONE.search(header[time_col])
    if zone:
        state.set_zone(zone["zone"], f"the column {header[time_col]!r}")
    text_cols = [i for i in range(len(header)) if i not in (time_col, date_col)]
    event_col = next(
        (i for i in text_cols if re.search(r"event|description|what|detail", names[i])), None
    )
    if event_col is None and text_cols:
        event_col = text_cols[0]
    rows: list[_Row] = []
    day: dt.date | None = None
    for line in block.lines[2:]:
        cells = split_row(line) + [""] * len(header)
        written = (
            f"{cells[date_col]} {cells[time_col]}" if date_col is not None else cells[time_col]
        )
        text = cells[event_col] if event_col is not None else ""
        extra = [f"{header[i]}: {cells[i]}" for i in text_cols if i != event_col and cells[i]]
        extra += [c for c in cells[len(header) :] if c]
        if extra:
            text = " — ".join([text, *extra]) if text else " — ".join(extra)
        row = _row_of(
            f"{written} {text}" if written.strip() else text, day, state, stamp_only=written
        )
        rows.append(row or _unread_row(" ".join(f"{written} {text}".split()), state))
        if row is not None and (found := re.match(r"~?(\d{4}-\d{2}-\d{2})", row.stamp)):
            day = dt.date.fromisoformat(found[1])
    return rows


def _row_of(
    line: str, day: dt.date | None, state: _State, stamp_only: str | None = None
) -> _Row | None:
    """A timeline row from text that starts with a timestamp; None when it does not."""
    text = line.strip()
    match = _ROW_STAMP.match(text)
    if (
        match is None
        or not (match["date"] or match["time"])
        or not _SEPARATOR.match(text[match.end() :])
    ):
        return None
    if stamp_only is not None and len(match[0].strip()) < len(" ".join(stamp_only.split())) - 1:
        return None  # the time cell holds more than a time
    rest = _SEPARATOR.sub("", text[match.end() :], count=1).strip()
    date, clock, problem = match["date"], match["time"], ""
    if date and state.first_row_date is None:
        state.first_row_date = dt.date.fromisoformat(date)
    if clock and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?(\.\d+)?", clock):
        clock = _twenty_four(clock, match["ampm"])
        if clock is None:
            return None
    elif clock:
        problem = "the time is not known; say the time or drop it"
    else:
        problem = "a date without a time"
    stamp = " ".join(part for part in (date, clock) if part)
    if match["end"]:
        stamp += f" to {match['end']}"
    if match["zone"]:
        offset = _offset_for(
            match["zone"].strip(), date or (day.isoformat() if day else None), clock, state
        )
        if offset:
            stamp = stamp.replace(clock, clock + offset, 1) if clock else stamp
        else:
            stamp += " " + match["zone"].strip()
            problem = problem or (
                f"the zone {match['zone'].strip()!r} after the time: check that the build "
                "reads it (an IANA name in :timezone: is surer)"
            )
    if match["approx"] or match["approx_after"]:
        stamp = "~" + stamp
    if day and not date and clock:
        approx = stamp.startswith("~")
        stamp = ("~" if approx else "") + f"{day.isoformat()} {stamp.removeprefix('~')}"
    for milestone, hint in _MILESTONE_HINTS.items():
        if hint.search(rest) and milestone not in state.hints:
            state.hints.append(milestone)
    return _Row(stamp, rest, problem)


def _twenty_four(clock: str, ampm: str | None) -> str | None:
    hour, _, minute = clock.partition(":")
    number = int(hour)
    if ampm:
        pm = ampm.lower().startswith("p")
        if not 1 <= number <= 12:
            return None
        number = number % 12 + (12 if pm else 0)
    if number > 23:
        return None
    return f"{number:02d}:{minute}"


def _offset_for(zone: str, date: str | None, clock: str | None, state: _State) -> str | None:
    """A zone written after a time, as an offset the timeline reads (``Z``, ``+0100``).

    Without a colon: ``09:00-05:00`` would be the range from 09:00 to 05:00.
    """
    if zone == "Z" or zone.upper() in ("UTC", "GMT"):
        return "Z"
    if re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
        return zone.replace(":", "")
    resolved = resolve_zone(zone)
    if resolved is None or date is None or clock is None:
        return None
    try:
        moment = dt.datetime.combine(
            dt.date.fromisoformat(date), dt.time.fromisoformat(clock), parse_timezone(resolved[0])
        )
    except (ValueError, FieldError):
        return None
    offset = moment.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    state.report.append(
        f"timeline: '{zone}' after {date} {clock} written as the offset of {resolved[0]}"
    )
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


# -- actions -----------------------------------------------------------------------


@dataclass
class _Action:
    title: str
    options: dict[str, str] = field(default_factory=dict)
    body: list[str] = field(default_factory=list)


def _action_block(block: Block, state: _State) -> str:
    if block.kind == "table":
        actions = _table_actions(block, state)
    elif block.kind == "list":
        actions = [_list_action(item, state) for item in list_items(block)]
    else:
        return _prose_block(block, state)
    if actions is None:
        return _prose_block(block, state)
    state.actions += len(actions)
    return "\n\n".join(_action_text(action, state) for action in actions)


def _table_actions(block: Block, state: _State) -> list[_Action] | None:
    header = split_row(block.lines[0])
    names = [_key(cell) for cell in header]
    options = {i: ACTION_KEYS[n] for i, n in enumerate(names) if n in ACTION_KEYS}
    titles = [
        i for i, n in enumerate(names) if i not in options and n.startswith(_ACTION_TITLE_KEYS)
    ]
    free = [i for i in range(len(header)) if i not in options]
    title_col = titles[0] if titles else (free[0] if free else None)
    if title_col is None:
        return None
    actions = []
    for line in block.lines[2:]:
        cells = split_row(line) + [""] * len(header)
        action = _Action(cells[title_col])
        for i, option in options.items():
            if cells[i]:
                _action_option(action, option, cells[i], header[i], state)
        action.body += [f"{header[i]}: {cells[i]}" for i in free if i != title_col and cells[i]]
        actions.append(action)
    return actions


def _list_action(item: list[str], state: _State) -> _Action:
    bullet = _BULLET.match(item[0])
    assert bullet is not None
    first, rest = bullet["rest"], item[1:]
    options: dict[str, str] = {}
    if check := _CHECKBOX.match(first):
        first = first[check.end() :]
        options["status"] = "done" if check["mark"] in "xX" else "open"
    continuation = []
    while rest and rest[0].strip() and not _BULLET.match(rest[0]):
        continuation.append(rest.pop(0).strip())
    title = " ".join([first, *continuation])
    action = _Action(title, options)
    bold = re.match(r"^\*\*(?P<title>[^*]+?)\*\*\s*:?\s*(?P<more>.*)$", title)
    if bold is not None:
        action.title = bold["title"].rstrip(":").strip()
        if bold["more"].strip(" :"):
            action.body.append(bold["more"].lstrip(": ").strip())
    if meta := _INLINE_META.search(action.title):
        action.title = action.title[: meta.start()].rstrip()
        for part in re.split(r"\s*[,;]\s*", meta["meta"]):
            if part.startswith("@"):
                _action_option(action, "owner", part[1:], "@", state)
            elif due := re.match(r"(?:due)\s*:?\s*(.+)", part, re.I):
                _action_option(action, "due", due[1], "due", state)
            elif owner := re.match(r"owner\s*:\s*(.+)", part, re.I):
                _action_option(action, "owner", owner[1].lstrip("@"), "owner", state)
            else:
                action.body.append(part)
    sub: list[str] = []
    for line in _dedent(rest):
        bullet_line = _BULLET.match(line)
        field_match = (
            _PLAIN_FIELD.match(bullet_line["rest"])
            if bullet_line and not bullet_line["indent"]
            else None
        )
        option = ACTION_KEYS.get(_key(field_match["key"])) if field_match else None
        if field_match is not None and option is not None:
            _action_option(action, option, field_match["value"], field_match["key"], state)
        else:
            sub.append(line)
    action.body += _trimmed(sub)
    return action


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _action_option(action: _Action, option: str, value: str, written: str, state: _State) -> None:
    """Set an action option from the source; what cannot be read goes to the body and the report."""
    value = value.strip()
    if option == "owner":
        action.options["owner"] = value.lstrip("@")
        return
    read: str | None = None
    if option == "due":
        due = parse_due(value, state.date or state.first_row_date)
        read = due.isoformat() if due else None
    elif option == "status":
        read = ACTION_STATUSES.get(_key(value))
    elif option == "priority":
        read = normalize_choice(value, DEFAULT_PRIORITIES)
    elif option == "type":
        read = normalize_choice(value, DEFAULT_ACTION_TYPES)
    elif option == "tracker":
        link = re.search(r"\((https?://[^)\s]+)\)|(https?://\S+)", value)
        key = re.search(r"\b[A-Z][A-Z0-9]+-\d+\b", value)
        read = (
            (link[1] or link[2])
            if link
            else (key[0] if key else (value if _TRACKER_KEY.match(value) else None))
        )
    if read is None:
        action.body.append(f"{written}: {value}")
        state.report.append(
            f"action {action.title[:50]!r}: {written} {value!r} not understood; kept in its text"
        )
        return
    action.options[option] = read


def _action_text(action: _Action, state: _State) -> str:
    title = " ".join(action.title.split()) or "(untitled action)"
    if "tracker" not in action.options and (
        url := _TRACKER_URL.search(" ".join([title, *action.body]))
    ):
        action.options["tracker"] = url[0]
    missing = [name for name in ("owner", "due") if name not in action.options]
    if missing:
        state.report.append(f"action {title[:60]!r}: give it {' and '.join(missing)}")
    body = "\n".join(action.body)
    colons = max([3, *(len(m) + 1 for m in re.findall(r"^:{3,}", body, re.M))])
    fence = ":" * colons
    lines = [f"{fence}{{action}} {title}", *(f":{k}: {v}" for k, v in action.options.items())]
    if body:
        lines += ["", body]
    return "\n".join([*lines, fence])


# -- the page ----------------------------------------------------------------------


def _settle_fields(state: _State) -> None:
    if state.date is None and state.first_row_date is not None:
        state.date = state.first_row_date
        state.read.append(f"date {state.date.isoformat()} (from the first timeline row)")
        state.report.append(f"date: {state.date.isoformat()} is the first timeline row's; check it")
    if state.date is None:
        state.report.append("date: none found; set :date: (YYYY-MM-DD)")
    if "severity" not in state.fields and not any(
        line.startswith("severity:") for line in state.report
    ):
        state.report.append(
            f"severity: none in the source; choose one of {', '.join(state.severities)}"
        )
    if state.zone is None:
        state.report.append(
            "time zone: none found; times are read in postmortem_timezone (UTC by default)"
        )
    if state.rows:
        state.report.append(
            "milestones: mark the rows where it started, was detected, mitigated and resolved "
            "with [started], [detected], [mitigated], [resolved]"
            + (f" (the text suggests: {', '.join(state.hints)})" if state.hints else "")
        )


_MD_LINK = re.compile(
    r"\]\(\s*<?([^)>\s]+\.md)(?:#[^)]*)?>?\s*\)|^\[[^\]]+\]:\s*<?(\S+\.md)>?", re.M
)


def _links_to_sources(lines: list[str], state: _State) -> None:
    """Links to other Markdown post-mortems break once those are imported under new names."""
    for match in _MD_LINK.finditer("\n".join(lines)):
        target = match[1] or match[2]
        if not target.startswith(("http://", "https://")):
            state.report.append(
                f"link to {target!r}: once that post-mortem is imported, write {{incident}}`ID`"
            )


def _page(title: str, body: list[str], state: _State) -> str:
    options = []
    if state.date is not None:
        options.append(f":date: {state.date.isoformat()}")
    for name in ("severity",):
        if name in state.fields:
            options.append(f":{name}: {state.fields[name]}")
    options.append(f":status: {state.fields.get('status', 'draft')}")
    for name in ("owner", "authors", "services", "tags"):
        if name in state.fields:
            options.append(f":{name}: {state.fields[name]}")
    if state.zone is not None:
        options.append(f":timezone: {state.zone[0]}")
    for name in ("started", "detected", "mitigated", "resolved"):
        if name in state.fields:
            options.append(f":{name}: {state.fields[name]}")
    head = []
    if state.extra_front:
        head += [
            "---",
            *(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in state.extra_front.items()),
            "---",
            "",
        ]
    head += [
        f"# {state.incident_id}: {title}",
        "",
        f":::{{incident}} {state.incident_id}",
        *options,
        ":::",
    ]
    return "\n\n".join(["\n".join(head), *body]) + "\n"


# -- the command -------------------------------------------------------------------


#: files in a folder that are plainly not post-mortems, passed over without a word
ASSETS = frozenset(
    ".png .jpg .jpeg .gif .svg .webp .ico .pdf .css .js .json .yml .yaml .toml .lock".split()
)


def sources(paths: Iterable[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, and the Markdown files in folders (less READMEs and templates);
    and the other files of those folders that could be post-mortems, each with why it
    was passed over, so that nothing is left behind without a word."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            found.append(path)
            continue
        for file in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
            if hidden or not file.is_file() or file.suffix.lower() in ASSETS:
                continue
            if file.suffix.lower() not in (".md", ".markdown"):
                skipped.append((file, "not a Markdown file name (.md, .markdown)"))
            elif re.search(r"readme|template|^index\.", file.name, re.I):
                skipped.append((file, "a README, template or index page"))
            else:
                found.append(file)
    return found, skipped


def source_id(text: str, source_name: str, pattern: str) -> str | None:
    """The source's own id: its front matter's ``id``, its file name's start, or its title's."""
    compiled = re.compile(pattern)
    front = re.search(
        r"^(?:id|incident[_ -]?id)\s*[:=]\s*[\"']?([^\"'\n]+)", text[:2000], re.I | re.M
    )
    candidates = [front[1].strip()] if front else []
    candidates.append(Path(source_name).name)
    heading = re.search(r"^#\s+(.*)$", text, re.M)
    if heading:
        candidates.append(heading[1].strip())
    for candidate in candidates:
        match = compiled.match(candidate)
        if match and match[0]:
            return match[0]
    return None


def next_free_id(kb: KnowledgeBase, year: int, taken: set[str]) -> str:
    """One more than the highest number of ``year`` in use, in the knowledge base's id shape."""
    used = numbers(kb.shape, year, [*kb.used, *taken])
    return kb.shape.make(year, max(used, default=0) + 1)


def _year(converted: Converted, own_id: str | None) -> int:
    """The year folder: the incident's date, else the year in its id, else this year."""
    in_id = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", own_id or "")
    if converted.date is not None:
        if in_id and int(in_id[0]) != converted.date.year:
            converted.report.append(
                f"date: {converted.date.isoformat()} is not in {in_id[0]}, the year of the id; "
                "check :date:"
            )
        return converted.date.year
    return int(in_id[0]) if in_id else dt.date.today().year


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)


def cmd_import(args: argparse.Namespace) -> int:
    root = Path(args.kb)
    kb = KnowledgeBase.load(root)
    pattern = kb.shape.pattern.pattern
    if args.timezone and resolve_zone(args.timezone) is None:
        raise UsageError(
            f"--timezone {args.timezone!r} is not a time zone; "
            "use an IANA name such as Europe/Copenhagen"
        )
    failed, taken = 0, set[str]()
    files, skipped = sources(args.source)
    for path, why in skipped:
        sys.stdout.write(f"{path}: skipped, {why}; name it on the command line to import it\n")
    if skipped:
        sys.stdout.write("\n")
    if not files:
        raise UsageError("no source files found")
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            sys.stdout.write(f"{path}: not read ({exc})\n\n")
            failed += 1
            continue
        own = source_id(text, path.name, pattern)
        options: dict[str, Any] = {
            "source_name": path.name,
            "timezone": args.timezone,
            "severities": kb.severities,
        }
        converted = convert(text, incident_id=own or "NEW", **options)
        year = _year(converted, own)
        incident_id = own or next_free_id(kb, year, taken)
        if own is None:
            converted = convert(text, incident_id=incident_id, **options)
        taken.add(incident_id)
        target = root / str(year) / f"{incident_id}-{slug(converted.title) or 'incident'}.md"
        _print_one(path, target, incident_id, converted, args.dry_run)
        if args.dry_run:
            continue
        try:
            _write(target, converted.text)
        except FileExistsError:
            sys.stdout.write(f"  NOT WRITTEN: {os.path.relpath(target)} exists already\n\n")
            failed += 1
    return 1 if failed else 0


def _print_one(
    path: Path, target: Path, incident_id: str, converted: Converted, dry_run: bool
) -> None:
    verb = "would write" if dry_run else "written"
    out = sys.stdout
    out.write(f"{path} -> {os.path.relpath(target)} ({incident_id}; {verb})\n")
    out.write(
        f"  read: {converted.paragraphs} paragraph(s), {converted.timeline_rows} timeline row(s), "
        f"{converted.actions} action(s)" + "".join(f"; {r}" for r in converted.read) + "\n"
    )
    for line in converted.report:
        out.write(f"  [ ] {line}\n")
    if dry_run:
        out.write("".join(f"  | {line}\n" for line in converted.text.splitlines()))
    out.write("\n")


def add_import_command(subparsers: Any) -> None:
    """Register ``sphinx-postmortem import`` on the command line's subparsers."""
    command = subparsers.add_parser(
        "import",
        help="bring existing Markdown post-mortems into the knowledge base",
        description="Write one MyST page per Markdown post-mortem into the knowledge base's "
        "year folder, never overwriting a file, and print per file what it read and what a "
        "person must still decide. Exits 1 when a file cannot be read or written.",
    )
    command.add_argument("source", nargs="+", help="Markdown files or folders of them")
    command.add_argument(
        "--kb", default="incidents", help="the knowledge base (default: incidents)"
    )
    command.add_argument(
        "--timezone",
        help="the zone the sources' times are in, e.g. Europe/Copenhagen "
        "(default: read from each source)",
    )
    command.add_argument(
        "--dry-run", action="store_true", help="print what would be written; write nothing"
    )
    command.set_defaults(run=cmd_import)
