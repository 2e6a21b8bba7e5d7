"""No input, however broken, crashes a build, and every warning of ours is located.

Hypothesis writes post-mortems whose every directive argument, option value,
timeline entry and reference target comes from strings that are hostile to
reST, MyST, HTML, LaTeX or our own parsers. Each generated post-mortem is
written in reST *and* in MyST, and a batch of them is built as one project
(one Sphinx build per example keeps this affordable).

Option values stay on one line: a newline cannot be part of a reST option
value, so allowing one would only test docutils' errors. Errors that docutils
or MyST give about the directive syntax itself are fine; a crash, a traceback,
a warning of ours without a document and line, an export that breaks its own
schema, or a field value that reaches the page as raw HTML or LaTeX is not.

Profiles (``HYPOTHESIS_PROFILE``): ``ci``, the default, runs a few
derandomised examples so that the suite stays fast and repeatable; ``fuzz``
runs many random ones (``make fuzz``; ``FUZZ_EXAMPLES`` sets how many).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conftest import CONF, Builder
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from robust import HOSTILE, LATEX, SCRIPT, build_project, output, warning_lines

from sphinx_postmortem.diagnostics import SUBTYPES
from sphinx_postmortem.fields import (
    FieldError,
    parse_action_id,
    parse_date,
    parse_list,
    parse_stamp,
    parse_timezone,
    parse_tracker,
)

_UNHEALTHY = [
    check
    for name in ("too_slow", "data_too_large", "large_base_example")
    if (check := getattr(HealthCheck, name, None)) is not None
]
# In CI a failure is reported as found, unshrunk: shrinking a batch of builds can
# take many minutes. Run `make fuzz` (which shrinks) for a minimal example.
settings.register_profile(
    "ci",
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=_UNHEALTHY,
)
# `make fuzz`: about 600 batches (10 000 documents) in 10-15 minutes on two cores.
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "600")),
    deadline=None,
    suppress_health_check=_UNHEALTHY,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: How many post-mortems go into one build; each is written in reST and MyST.
BATCH = 8

# -- strings -------------------------------------------------------------------

#: Characters that end a line for docutils (str.splitlines) or MyST.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
free_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters=LINE_BREAKS), max_size=30
)
hostile = st.sampled_from(HOSTILE)
joined = st.tuples(
    st.sampled_from([" ", ",", ", ", "", ":"]),
    st.lists(st.one_of(hostile, free_text), min_size=2, max_size=4),
).map(lambda parts: parts[0].join(parts[1]))
anything = st.one_of(hostile, free_text, joined)

#: Prose that the review (postmortem_review) flags.
REVIEWED = (
    "The engineer should have checked!",
    "It was simply human error",
    "Ana Silva failed to deploy",
    "Root causes and trigger",
    "Timeline",
)
#: Text that the parsers read as markup (titles, bodies, timeline events). In
#: MyST, ``<...>`` there is raw HTML by design, so it is kept out of it: only
#: field values, which our code shows, must never become markup.
markup_text = st.one_of(anything, st.sampled_from(REVIEWED)).map(lambda s: s.replace("<", "\u2039"))

# Dates and times, valid and not, down to the ends of the calendar.
YEARS = st.sampled_from(["2024", "2023", "1999", "2038", "1900", "0001", "9999", "0000", "20240"])
#: Leap days, month and year ends, daylight-saving changes (Europe, then the
#: US), the first and last days Python knows, and a day of local mean time.
EDGE_DATES = (
    "2024-02-29",
    "2023-02-29",
    "2024-12-31",
    "2024-03-31",
    "2024-10-27",
    "2024-03-10",
    "0001-01-01",
    "9999-12-31",
    "1920-05-01",
)
date_text = st.one_of(
    st.builds("{}-{:02d}-{:02d}".format, YEARS, st.integers(0, 13), st.integers(0, 32)),
    st.sampled_from(EDGE_DATES),
)
clock_text = st.builds(
    "{}:{:02d}{}{}".format,
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(["", ":00", ":59", ":61"]),
    st.sampled_from(["", ".5"]),
)
OFFSETS = ("", "Z", "z", "+01:00", "-05:00", "+0530", "+05", "+99:00", "-23:59", "+14:00")
dated_stamp = st.builds(
    "{}{}{}{}".format,
    date_text,
    st.sampled_from([" ", "T", "  "]),
    clock_text,
    st.sampled_from(OFFSETS),
)
#: Instants at the edges: daylight-saving gaps and folds, the ends of a day and
#: of a year, the widest offsets.
EDGE_STAMPS = (
    "2024-03-31 02:30",
    "2024-10-27 02:30",
    "2024-03-10 02:30",
    "00:00",
    "23:59:59",
    "2024-12-31T23:59-23:59",
    "2024-01-01T00:00+14:00",
    "2024-02-29T12:00Z",
    "9999-12-31T23:30-05:00",
    "0001-01-01T00:30+01:00",
    "1920-05-01 10:00",
)
stamp_text = st.one_of(
    st.builds("{}{}".format, clock_text, st.sampled_from(OFFSETS)),
    dated_stamp,
    st.sampled_from(EDGE_STAMPS),
)
#: Offsets of 45 minutes, of +13:45, and (Amsterdam before 1937) with seconds.
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Europe/Amsterdam",
)


def value(*valid: str, extra: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """A value for one option: sometimes valid, so that deeper code runs, often not."""
    branches: list[st.SearchStrategy[str]] = [st.sampled_from(valid)] if valid else []
    if extra is not None:
        branches.append(extra)
    return st.one_of(*branches, anything)


IDS = ("INC-2024-001", "INC-2024-002", "OPS-2023-0042", "inc-2024-001", "INC-2024-1")
ACTION_IDS = ("A-1", "FAILOVER-DRILL", "a.b_c", "INC-2024-001-A1")
DATES = ("2024-03-14", "2024-05-01", "2024-06-01")
SORTS = ("due", "-due", "id, -severity", "-date", "ttr", "open-actions", "priority", "tracker")
COLUMNS = ("id, action, tracker, severity, type", "id, title, owner, services, ttd, ttm, ttr")

INCIDENT_OPTIONS = {
    "date": value(*DATES, extra=date_text),
    "severity": value("SEV1", "SEV2", "SEV4"),
    "status": value("draft", "in-review", "final"),
    "owner": value("payments-team"),
    "authors": value("Ana Silva, Wei Zhang"),
    "services": value("checkout, payments-db"),
    "tags": value("database"),
    "timezone": value(*ZONES),
    **{
        name: value("09:00", "2024-03-14 10:00", extra=stamp_text)
        for name in ("started", "detected", "mitigated", "resolved")
    },
}
TIMELINE_OPTIONS = {"timezone": value(*ZONES)}
ACTION_OPTIONS = {
    "id": value(*ACTION_IDS),
    "owner": value("storage-team"),
    "due": value(*DATES, extra=date_text),
    "status": value("open", "in-progress", "done", "wont-do"),
    "priority": value("P0", "P3"),
    "type": value("detect", "process"),
    "tracker": value("OPS-123", "https://tracker.example.com/browse/OPS-1"),
    "completed": value(*DATES, extra=date_text),
}
TABLE_FILTERS = {
    "severity": value("SEV1, SEV2"),
    "sort": value(*SORTS),
    "columns": value(*COLUMNS),
}
ACTION_TABLE_OPTIONS = {
    **TABLE_FILTERS,
    "status": value("all", "open, in-progress", "done"),
    "owner": value("storage-team"),
    "incident": value(*IDS),
    "type": value("detect"),
    "priority": value("P1, P2"),
    # a flag: an argument is a parser error, which is fine
    "overdue": st.sampled_from(["", "", "yes"]),
}
INCIDENT_TABLE_OPTIONS = {
    **TABLE_FILTERS,
    "status": value("final, draft"),
    "service": value("checkout"),
    "tag": value("database"),
    "since": value(*DATES, extra=date_text),
    "until": value(*DATES, extra=date_text),
}

# -- documents -----------------------------------------------------------------

#: (directive, argument or None, [(option, value)], content lines)
Block = tuple[str, str | None, list[tuple[str, str]], list[str]]


@st.composite
def options(draw: st.DrawFn, spec: dict[str, st.SearchStrategy[str]]) -> list[tuple[str, str]]:
    names = draw(st.lists(st.sampled_from(sorted(spec)), unique=True, max_size=len(spec)))
    return [(name, draw(spec[name])) for name in names]


timeline_entry = st.one_of(
    markup_text,
    st.builds(
        "{}{}{}{}".format,
        st.one_of(
            stamp_text,
            st.sampled_from(EDGE_STAMPS),
            st.sampled_from(["09:00", "10:00", "2024-03-14 08:00"]),
        ),
        st.sampled_from(["", " ", " - ", " \u2013 ", " \u2014", "-"]),
        st.sampled_from(["", " [started]", " [detected]", " [Mitigated]", " [resolved]", " [x]"]),
        st.one_of(st.just(""), markup_text.map(" {}".format)),
    ),
)


def block(
    name: str,
    argument: st.SearchStrategy[str | None],
    spec: dict[str, st.SearchStrategy[str]],
    content: st.SearchStrategy[list[str]],
) -> st.SearchStrategy[Block]:
    return st.tuples(st.just(name), argument, options(spec), content)


no_content: st.SearchStrategy[list[str]] = st.just([])
body = st.lists(markup_text, max_size=2)
blocks = st.one_of(
    block("incident", value(*IDS), INCIDENT_OPTIONS, body),
    block(
        "timeline",
        st.none(),
        TIMELINE_OPTIONS,
        st.lists(timeline_entry.map("- {}".format), max_size=6),
    ),
    block("action", value("Alert on disk usage"), ACTION_OPTIONS, body),
    block("action-table", st.none(), ACTION_TABLE_OPTIONS, no_content),
    block("incident-table", st.none(), INCIDENT_TABLE_OPTIONS, no_content),
    # not a directive: a section, with a title and a paragraph
    st.tuples(st.just("section"), markup_text, st.just([]), body),
)


@st.composite
def postmortems(draw: st.DrawFn) -> tuple[str, list[Block], list[tuple[str, str]]]:
    """A title, directives (most often an incident first) and references."""
    title = draw(st.one_of(st.just("Checkout errors"), markup_text))
    first = draw(st.one_of(block("incident", value(*IDS), INCIDENT_OPTIONS, body), st.none()))
    rest = draw(st.lists(blocks, max_size=5))
    refs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["incident", "action"]),
                # a backtick ends the role early, and the rest is Markdown, where
                # <...> is raw HTML by design: keep it out, as for markup_text
                value(*IDS, *ACTION_IDS).map(lambda s: s.replace("<", "\u2039")),
            ),
            max_size=2,
        )
    )
    return title, ([first] if first else []) + rest, refs


def rest_source(title: str, directives: list[Block], refs: list[tuple[str, str]]) -> str:
    lines = [title, "=" * (2 * len(title) + 4), ""]
    for name, argument, opts, content in directives:
        if name == "section":
            lines += [str(argument), "-" * (2 * len(str(argument)) + 4), "", *content, ""]
            continue
        lines.append(f".. {name}::" + (f" {argument}" if argument is not None else ""))
        lines += [f"   :{key}: {val}".rstrip() for key, val in opts]
        lines.append("")
        lines += [f"   {line}" for line in content]
        lines.append("")
    lines += [f"See :{role}:`{target}`." for role, target in refs]
    return "\n".join(lines) + "\n"


def myst_source(title: str, directives: list[Block], refs: list[tuple[str, str]]) -> str:
    lines = [f"# {title}", ""]
    for name, argument, opts, content in directives:
        if name == "section":
            lines += [f"## {argument}", "", *content, ""]
            continue
        inner = [f":{key}: {val}".rstrip() for key, val in opts] + [""] + content
        # An info string after backticks cannot hold a backtick: then fence
        # with tildes. The fence is longer than any run of its character inside.
        char = "~" if argument is not None and "`" in argument else "`"
        runs = [len(run) for line in inner for run in re.findall(f"{char}+", line)]
        fence = char * max([3] + [n + 1 for n in runs])
        lines.append(f"{fence}{{{name}}}" + (f" {argument}" if argument is not None else ""))
        lines += inner
        lines += [fence, ""]
    lines += [f"See {{{role}}}`{target}`." for role, target in refs]
    return "\n".join(lines) + "\n"


#: ``file:line: WARNING: message [postmortem.subtype]``, all on one line.
LOCATED = re.compile(
    r"(?P<file>[^\s:][^:]*\.(?:rst|md)):(?P<line>\d+): WARNING: .*\[postmortem\.(?P<sub>[a-z][a-z-]*)\]"
)


def check_build(files: dict[str, str], buildername: str, review: bool = True) -> list[str]:
    """Build ``files`` and check what every build must satisfy; return the warnings."""
    conf = CONF + f"postmortem_review = {review}\n"
    with tempfile.TemporaryDirectory() as tmp:
        built = build_project(Path(tmp) / "src", files, buildername, conf=conf)
        printed = output(built)
        assert "Traceback" not in printed, printed
        assert "Exception occurred" not in printed, printed
        for line in warning_lines(built):
            if "[postmortem." not in line:
                continue
            where = LOCATED.fullmatch(line)
            assert where is not None, f"a warning without a document and line: {line!r}"
            assert where["file"] in files, line
            assert 1 <= int(where["line"]) <= files[where["file"]].count("\n"), line
            assert where["sub"] in SUBTYPES, line
        built.export()  # valid against the shipped schema
        if buildername == "html":
            for name in files:
                page = built.html(name.rpartition(".")[0])
                assert "<script>alert(" not in page, name
        elif buildername == "latex":
            (tex,) = built.outdir.glob("*.tex")
            assert LATEX not in tex.read_text(encoding="utf-8")
        else:
            for name in files:
                assert built.text(name.rpartition(".")[0]) is not None
        return built.warnings


@given(
    st.lists(postmortems(), min_size=BATCH, max_size=BATCH),
    st.sampled_from(["html", "html", "latex", "text"]),
    st.booleans(),
)
def test_arbitrary_input_builds_with_located_warnings(
    docs: list[tuple[str, list[Block], list[tuple[str, str]]]], buildername: str, review: bool
) -> None:
    files: dict[str, str] = {}
    for n, doc in enumerate(docs):
        files[f"pm{n}r.rst"] = rest_source(*doc)
        files[f"pm{n}m.md"] = myst_source(*doc)
    check_build(files, buildername, review)


def test_the_generators_reach_every_directive_and_every_warning_kind() -> None:
    """One fixed document per directive, through the same checks: they are not vacuous."""
    incident: Block = (
        "incident",
        "INC-2024-1",
        [("date", "2024-03-14"), ("severity", SCRIPT), ("timezone", "../../etc/passwd")],
        [],
    )
    timeline: Block = ("timeline", None, [], ["- 25:61 [started] x", "- 09:00 [started] y"])
    action: Block = (
        "action",
        LATEX,
        [("tracker", "javascript:alert(1)"), ("due", "2024-01-01"), ("completed", "0000-00-00")],
        [],
    )
    table: Block = ("action-table", None, [("sort", "nonsense")], [])
    doc = ("Title", [incident, timeline, action, table], [("incident", "NOPE-2024-999")])
    files = {"a.rst": rest_source(*doc), "b.md": myst_source(*doc)}
    warnings = check_build(files, "html")
    kinds = {(m["file"], m["sub"]) for line in warnings if (m := LOCATED.fullmatch(line))}
    expected = {"incident", "timeline", "action", "table", "ref", "duplicate", "overdue"}
    assert {sub for file, sub in kinds if file == "a.rst"} == expected - {"duplicate"}
    assert {sub for file, sub in kinds if file == "b.md"} == expected


def test_a_warning_without_a_line_is_caught() -> None:
    """The location check rejects what it must."""
    assert LOCATED.fullmatch("a.rst:3: WARNING: x [postmortem.incident]")
    assert LOCATED.fullmatch("a.md:3: WARNING: x [postmortem.action-quality]")
    for bad in (
        "a.rst: WARNING: x [postmortem.incident]",
        "WARNING: x [postmortem.incident]",
        "y [postmortem.incident]",
        "a.rst:3: WARNING: x",
        "a.rst:3: WARNING: x [postmortem.Bad]",
    ):
        assert not LOCATED.fullmatch(bad)


# -- the field parsers on their own: fast, so many more examples ----------------

PARSERS: dict[str, Callable[[str], Any]] = {
    "date": parse_date,
    "list": parse_list,
    "stamp": parse_stamp,
    "timezone": parse_timezone,
    "action id": parse_action_id,
    "tracker": lambda v: parse_tracker(v, None),
    "tracker with url": lambda v: parse_tracker(v, "https://tracker.example.com/browse/{}"),
}


@settings(max_examples=300 if settings().max_examples < 100 else 5000)
@given(st.sampled_from(sorted(PARSERS)), st.one_of(anything, stamp_text, date_text))
def test_a_parser_accepts_a_value_or_refuses_it_with_a_message(name: str, text: str) -> None:
    """Anything but :class:`FieldError` would escape the directive as a crash."""
    try:
        PARSERS[name](text)
    except FieldError as exc:
        assert str(exc)


@settings(max_examples=300 if settings().max_examples < 100 else 5000)
@given(
    st.one_of(anything, st.builds("{}:{}".format, free_text, anything)),
    st.sampled_from([None, "https://tracker.example.com/browse/{}"]),
)
def test_a_tracker_link_is_http_or_nothing(text: str, url_format: str | None) -> None:
    try:
        _, link = parse_tracker(text, url_format)
    except FieldError:
        return
    if link is not None:
        assert link.lower().startswith(("http://", "https://")), link
        assert not any(c.isspace() for c in link), link


# -- regressions: found by these tests, fixed in 35115c9 -------------------------

EXTREME = """\
Extremes
========

.. incident:: INC-2024-001
   :date: {date}
   :severity: SEV1
{options}
.. timeline::
{timeline}
   - {entry} an event
"""


def test_extreme_dates_in_a_timeline_do_not_crash(build: Builder) -> None:
    """Converting 9999-12-31T23:30-05:00 to UTC overflowed, and stopped the build."""
    source = EXTREME.format(
        date="9999-12-31", options="", timeline="", entry="9999-12-31T23:30-05:00"
    )
    built = build({"doc.rst": source})
    assert (built.outdir / "doc.html").is_file()
    ours = [w for w in built.warnings if "[postmortem." in w]
    assert any(w.startswith("doc.rst:10: WARNING: ") for w in ours), ours
    assert all(LOCATED.fullmatch(w) for w in ours), ours
    built.export()


def test_extreme_dates_on_an_incident_do_not_crash(build: Builder) -> None:
    """Showing 0001-01-01T00:30+01:00 in UTC overflowed while the page was written."""
    source = EXTREME.format(
        date="0001-01-01",
        options="   :started: 0001-01-01T00:30+01:00\n",
        timeline="   :timezone: UTC\n",
        entry="0001-01-01T01:00+01:00",
    )
    built = build({"doc.rst": source})
    assert (built.outdir / "doc.html").is_file()
    ours = [w for w in built.warnings if "[postmortem." in w]
    assert any(w.startswith("doc.rst:4: WARNING: INC-2024-001: :started: ") for w in ours), ours
    assert all(LOCATED.fullmatch(w) for w in ours), ours
    built.export()


def test_export_of_local_mean_time_matches_the_schema(build: Builder) -> None:
    """Amsterdam in 1920 was at +01:19:32, an offset ISO 8601 cannot write."""
    source = EXTREME.format(
        date="1920-05-01",
        options="   :timezone: Europe/Amsterdam\n   :started: 10:00\n",
        timeline="",
        entry="10:30",
    )
    built = build({"doc.rst": source})
    assert [w for w in built.warnings if "[postmortem." in w] == []
    started = built.export()["incidents"][0]["times"]["started"]  # valid against the schema
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert dt.datetime.fromisoformat(started) == dt.datetime(1920, 5, 1, 10, tzinfo=amsterdam)


INCLUDED = """\
.. incident:: INC-2024-001
   :date: 2024-01-01
   :severity: SEV9

.. action:: Fix it
   :owner: storage-team
   :tracker: javascript:alert(1)

.. timeline::

   - 25:61 A time that does not exist.
"""


def test_a_warning_from_an_included_file_names_that_file(build: Builder) -> None:
    """It named the including document, at a line past its end (main.rst:8 of 6 lines)."""
    main = "Main\n====\n\nText.\n\n.. include:: part.inc\n"
    built = build(
        {"main.rst": main, "part.inc": INCLUDED}, conf=CONF + 'exclude_patterns = ["*.inc"]\n'
    )
    ours = [w for w in built.warnings if "[postmortem." in w]
    assert len(ours) == 4, ours
    # the incident at line 1, the action at line 5, the entry at line 11 of part.inc
    assert {w.partition(": WARNING")[0] for w in ours} == {
        "part.inc:1",
        "part.inc:5",
        "part.inc:11",
    }
