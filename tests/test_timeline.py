"""Timelines and values as people really write them, in reST and in MyST."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import myst_parser
import pytest
from conftest import CONF, Builder, Built, example

from sphinx_postmortem.fields import FieldError, match_entry_head

SYNTAXES = ("rst", "md")


def incident(ext: str, options: dict[str, str], timeline: list[str], after: str = "") -> str:
    """A page with an incident and a timeline, laid out alike in both syntaxes.

    The first entry is on line 8 + the number of the incident's options.
    """
    opts = {"date": "2024-03-14", "severity": "SEV3", **options}
    if ext == "rst":
        head = "Incident\n========\n\n.. incident:: INC-2024-001\n"
        head += "".join(f"   :{k}: {v}\n" for k, v in opts.items())
        return head + "\n.. timeline::\n\n" + "".join(f"   - {e}\n" for e in timeline) + after
    head = "# Incident\n\n```{incident} INC-2024-001\n"
    head += "".join(f":{k}: {v}\n" for k, v in opts.items())
    body = "".join(f"- {e}\n" for e in timeline)
    return head + "```\n\n```{timeline}\n\n" + body + "```\n" + after


def page(build: Builder, ext: str, source: str, conf: str = CONF) -> Built:
    return build({f"doc.{ext}": source}, conf=conf)


def time_column(built: Built) -> list[str]:
    html = built.html("doc")
    table = html[html.index("pm-timeline") :]
    cells = re.findall(r'<tr class="pm-entry[^"]*">\s*<td[^>]*>(.*?)</td>', table, re.S)
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells]


# -- the forms of a time -----------------------------------------------------------


@pytest.mark.parametrize("ext", SYNTAXES)
def test_every_written_form_is_read_shown_and_exported(build: Builder, ext: str) -> None:
    built = build({f"doc.{ext}": example(f"timeline-forms.{ext}")})
    incident = built.export()["incidents"][0]
    entries = {e["line"]: e for e in incident["timeline"]}
    # runs of spaces and a tab: read, and the marker kept
    assert entries[14]["time"] == "2024-03-14T09:00:00+01:00"
    assert entries[14]["milestones"] == ["started"]
    # a zone after the time wins over the timeline's: 10:00 UTC is 11:00 in Berlin
    assert entries[15]["time"] == "2024-03-14T11:00:00+01:00"
    assert entries[15]["milestones"] == ["detected", "mitigated"]
    assert incident["times"]["mitigated"] == "2024-03-14T11:00:00+01:00"
    assert incident["durations"]["time_to_detect"] == 7200
    offsets = [entries[n]["time"][11:16] for n in (16, 17, 18, 19, 20)]
    assert offsets == ["11:30", "11:45", "12:00", "12:10", "12:15"]  # +01:00, +0100, CET, CEST, Z
    assert (entries[21]["approximate"], entries[22]["approximate"]) == (True, True)
    assert entries[14]["approximate"] is False
    for unknown in (23, 24):  # ??:?? and 14:??
        assert entries[unknown]["time"] is None
        assert entries[unknown]["date"] == "2024-03-14"
    ranges = [(entries[n]["time"][11:16], entries[n]["end"][11:16]) for n in (25, 26, 27)]
    assert ranges == [("13:00", "14:00"), ("14:00", "15:00"), ("15:00", "15:30")]
    assert (entries[28]["time"], entries[28]["date"]) == (None, "2024-03-15")
    assert entries[29]["time"] == "2024-03-15T09:00:00+01:00"  # ~date time
    assert entries[29]["approximate"] is True
    assert [e["text"] for e in incident["timeline"]][9] == (
        "Someone restarts the workers; nobody noted when."
    )
    shown = time_column(built)
    assert shown[:2] == ["2024-03-14 09:00 CET", "11:00"]
    assert shown[7:15] == [
        "≈ 12:30",
        "≈ 12:40",
        "",
        "",
        "13:00 \u2013 14:00",
        "14:00 \u2013 15:00",
        "15:00 \u2013 15:30",
        "2024-03-15",
    ]
    assert '<strong class="pm-marker">Detected</strong>, <strong' in built.html("doc")


@pytest.mark.parametrize(
    ("written", "start", "end", "offset"),
    [
        ("09:00-11:00 x", "09:00", "11:00", None),
        ("09:00 - 11:00 x", "09:00", "11:00", None),
        ("09:00 to 11:00 x", "09:00", "11:00", None),
        ("2024-03-14 09:00-11:00 x", "09:00", "11:00", None),
        # an offset '-HH:MM' only in the ISO form with 'T'; '-HHMM' anywhere
        ("2024-03-14T09:00-05:00 x", "09:00", None, -5),
        ("09:00-0500 x", "09:00", None, -5),
        ("09:00 -0500 x", "09:00", None, -5),
        ("10:30 +01:00 x", "10:30", None, 1),
        ("10:30 +0100 x", "10:30", None, 1),
        ("14:03Z x", "14:03", None, 0),
        ("10:00 UTC [detected] x", "10:00", None, 0),
        ("10:30 CEST x", "10:30", None, 2),
        ("10:30 (UTC+2) x", "10:30", None, 2),
        ("09:00 - 10 servers fail", "09:00", None, None),
        ("10:00 DNS fails", "10:00", None, None),
    ],
)
def test_a_range_is_not_an_offset(
    written: str, start: str, end: str | None, offset: int | None
) -> None:
    found = match_entry_head(written)
    assert found is not None
    head = found[0]
    assert head.start is not None
    assert head.start.clock.strftime("%H:%M") == start
    assert (head.end.clock.strftime("%H:%M") if head.end else None) == end
    moment = dt.datetime(2024, 3, 14, tzinfo=head.start.offset) if head.start.offset else None
    shift = moment.utcoffset() if moment else None
    assert shift == (dt.timedelta(hours=offset) if offset is not None else None)


def test_a_bad_time_is_an_error_not_text() -> None:
    with pytest.raises(FieldError, match="not a valid time"):
        match_entry_head("25:00 x")
    assert match_entry_head("No time here") is None


@pytest.mark.parametrize("ext", SYNTAXES)
def test_an_unknown_zone_is_a_located_warning_never_utc(build: Builder, ext: str) -> None:
    built = page(
        build,
        ext,
        incident(
            ext,
            {"timezone": "Europe/Berlin"},
            ["10:00 [started] Start.", "11:00 XYZT [detected] Alert.", "11:30 IST Mail."],
        ),
    )
    assert [w.split(": WARNING: ")[0] for w in built.warnings] == [f"doc.{ext}:12", f"doc.{ext}:13"]
    assert "'XYZT' after '11:00' is not a time zone" in built.warnings[0]
    assert built.warnings[0].endswith("[postmortem.timeline]")
    times = [e["time"] for e in built.export()["incidents"][0]["timeline"]]
    assert times[1:] == ["2024-03-14T11:00:00+01:00", "2024-03-14T11:30:00+01:00"]
    assert built.export()["incidents"][0]["times"]["detected"] == "2024-03-14T11:00:00+01:00"


# -- order -------------------------------------------------------------------------


@pytest.mark.parametrize("ext", SYNTAXES)
def test_out_of_order_suggests_a_date_only_over_midnight(build: Builder, ext: str) -> None:
    built = page(
        build,
        ext,
        incident(
            ext,
            {},
            ["23:40 [started] Start.", "00:15 Past midnight.", "09:00 Morning.", "08:30 Back."],
        ),
    )
    assert built.warnings == [
        f"doc.{ext}:11: WARNING: 00:15 is earlier than the entry before it (23:40): the entries "
        "are out of order; if the timeline crossed midnight, write the date: 2024-03-15 00:15 "
        "[postmortem.timeline]",
        f"doc.{ext}:13: WARNING: 08:30 is earlier than the entry before it (09:00): the entries "
        "are out of order [postmortem.timeline]",
    ]


@pytest.mark.parametrize("ext", SYNTAXES)
def test_unknown_times_keep_their_place_and_give_no_duration(build: Builder, ext: str) -> None:
    built = page(
        build,
        ext,
        incident(
            ext, {}, ["10:00 [started] Start.", "??:?? [detected] Someone saw it.", "09:00 X."]
        ),
    )
    assert built.warnings[0] == (
        f"doc.{ext}:11: WARNING: [detected] is on an entry whose time is not known (??:??); "
        "the incident's detected time is not taken from it [postmortem.timeline]"
    )
    assert "09:00 is earlier than the entry before it (10:00)" in built.warnings[1]
    data = built.export()["incidents"][0]
    assert data["durations"]["time_to_detect"] is None
    assert [e["text"] for e in data["timeline"]] == ["Start.", "Someone saw it.", "X."]


@pytest.mark.parametrize("ext", SYNTAXES)
def test_a_daylight_saving_change_shows_the_zone_where_the_offset_changes(
    build: Builder, ext: str
) -> None:
    entries = ["2026-10-25 01:30 First.", "02:30 Summer time.", "2026-10-25T02:30:00+01:00 Winter."]
    built = page(
        build, ext, incident(ext, {"date": "2026-10-25", "timezone": "Europe/Berlin"}, entries)
    )
    assert built.warnings == []
    assert time_column(built) == ["2026-10-25 01:30 CEST", "02:30", "02:30 CET"]


# -- enumerated values, the archive, options twice, fences ---------------------------


@pytest.mark.parametrize("ext", SYNTAXES)
def test_enumerated_values_in_the_spellings_people_use(build: Builder, ext: str) -> None:
    pages = {}
    for n, (severity, status) in enumerate(
        [("Sev1", "Final"), ("SEV-1", "In review"), ("sev 1", "final")], start=1
    ):
        source = incident(ext, {"severity": severity, "status": status}, ["09:00 [DETECTED] x"])
        pages[f"p{n}.{ext}"] = source.replace("INC-2024-001", f"INC-2024-00{n}")
    action = (
        "\n.. action:: Alert on disk usage\n   :owner: ops\n   :due: 2024-06-01\n"
        "   :priority: p1\n   :type: Prevent\n"
        if ext == "rst"
        else "\n```{action} Alert on disk usage\n:owner: ops\n:due: 2024-06-01\n"
        ":priority: p1\n:type: Prevent\n```\n"
    )
    pages[f"p1.{ext}"] += action
    built = build(pages)
    assert built.warnings == []
    data = built.export()
    assert [(i["severity"], i["status"]) for i in data["incidents"]] == [
        ("SEV1", "final"),
        ("SEV1", "in-review"),
        ("SEV1", "final"),
    ]
    assert [i["timeline"][0]["milestones"] for i in data["incidents"]] == [["detected"]] * 3
    (action_data,) = data["incidents"][0]["actions"]
    assert (action_data["priority"], action_data["type"]) == ("P1", "prevent")


@pytest.mark.parametrize("ext", SYNTAXES)
def test_archived_actions_are_shown_and_exported_but_never_warned_about(
    build: Builder, ext: str
) -> None:
    action = (
        "\n.. action:: Alert on disk usage\n   :due: 2020-01-01\n"
        if ext == "rst"
        else "\n```{action} Alert on disk usage\n:due: 2020-01-01\n```\n"
    )
    source = incident(ext, {"date": "2019-05-01", "status": "draft"}, ["09:00 x"], action)
    conf = CONF + 'postmortem_track_actions_since = "2023-01-01"\n'
    built = page(build, ext, source.replace("INC-2024-001", "INC-2019-001"), conf)
    assert built.warnings == []
    (data,) = built.export()["incidents"][0]["actions"]
    assert (data["archived"], data["overdue"], data["owner"]) == (True, False, None)
    assert "Alert on disk usage" in built.html("doc")
    # the same page tracked: owner missing and overdue
    tracked = page(build, ext, source.replace("INC-2024-001", "INC-2019-001"))
    assert len(tracked.warnings) == 2
    assert tracked.export()["incidents"][0]["actions"][0]["archived"] is False


@pytest.mark.skipif(
    int(myst_parser.__version__.split(".")[0]) < 5,
    reason="myst-parser 4 gives a directive only its body as block_text, not its options",
)
def test_an_option_given_twice_in_myst_is_a_warning(build: Builder) -> None:
    source = incident("md", {}, ["09:00 x"]) + (
        "\n```{action} Alert on disk usage\n:owner: ops\n:owner: dba\n:due: 2024-06-01\n```\n"
    )
    built = page(build, "md", source)
    assert built.warnings == [
        "doc.md:13: WARNING: action 'Alert on disk usage': :owner: is given twice; "
        "the last value is used [postmortem.action]"
    ]
    assert built.export()["incidents"][0]["actions"][0]["owner"] == "dba"


def test_an_option_given_twice_in_rest_is_an_error(build: Builder) -> None:
    source = incident("rst", {}, ["09:00 x"]) + (
        "\n.. action:: Alert\n   :owner: ops\n   :owner: dba\n   :due: 2024-06-01\n"
    )
    built = page(build, "rst", source)
    assert built.warnings == ['doc.rst:12: ERROR: Error in "action" directive:']
    assert 'duplicate option "owner"' in built.app.warning.getvalue()


def test_a_fence_that_did_not_parse_is_a_warning_where_it_is(build: Builder) -> None:
    source = incident("md", {}, ["09:00 x"]) + (
        "\n```{action} Run `terraform plan` in CI\n:owner: ops\n:due: 2024-06-01\n```\n"
        "\n```{action} Second action\n:owner: ops\n:due: 2024-06-01\n```\n"
        "\n:::{timeline}\n- 10:00 y\n:::\n"
        "\n````md\n```{action} An example, shown on purpose\n```\n````\n"
    )
    built = page(build, "md", source)
    assert [w.split(": WARNING: ")[0] for w in built.warnings] == [
        "doc.md:13",
        "doc.md:16",
        "doc.md:23",
    ]
    assert (
        "this paragraph starts like the action directive but was not read as one: write it "
        "as a colon fence, :::{action}"
    ) in built.warnings[0]
    assert "this code block starts like the action directive" in built.warnings[1]
    assert built.warnings[1].endswith("[postmortem.action]")
    assert 'add "colon_fence" to myst_enable_extensions' in built.warnings[2]
    assert built.warnings[2].endswith("[postmortem.timeline]")


def test_colon_fences_hold_a_title_with_backticks(build: Builder) -> None:
    source = incident("md", {}, ["09:00 x"]) + (
        "\n:::{action} Run `terraform plan` in CI\n:owner: ops\n:due: 2024-06-01\n:::\n"
    )
    built = page(build, "md", source, CONF + 'myst_enable_extensions = ["colon_fence"]\n')
    assert built.warnings == []
    (action,) = built.export()["incidents"][0]["actions"]
    assert action["title"] == "Run `terraform plan` in CI"
    assert "terraform plan" in built.html("doc")


# Events with the inline markup timelines hold. On an HTML page the extension
# writes a timeline's rows itself; the writer must not be able to tell.
MARKED_UP = [
    '10:00 - [started] *Alerts* fired for ``db-01`` and **checkout**: 5 < 7 & "quoted"',
    "10:05 - Ran ``kubectl  drain node`` (two spaces)",
    "10:09 - See https://example.org/runbook?a=1&b=2 for why",
]
MARKED_UP_MD = [
    '10:00 - [started] *Alerts* fired for `db-01` and **checkout**: 5 < 7 & "quoted"',
    "10:05 - Ran `kubectl  drain node` (two spaces)",
    "10:09 - See [the runbook](https://example.org/runbook?a=1&b=2) for why",
]


def timeline_table(built: Built) -> str:
    html = built.html("doc")
    return html[html.index('<table class="pm-table pm-timeline') : html.index("</table>")]


@pytest.mark.parametrize("ext", SYNTAXES)
def test_timeline_rows_written_as_html_are_the_writers_rows(
    build: Builder,
    ext: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import sphinx_postmortem.render
    from sphinx_postmortem.render import rows_html

    source = incident(ext, {"timezone": "UTC"}, MARKED_UP if ext == "rst" else MARKED_UP_MD)
    results: list[str | None] = []

    def recorded(rows: Any, columns: Any) -> str | None:
        results.append(rows_html(rows, columns))
        return results[-1]

    monkeypatch.setattr(sphinx_postmortem.render, "rows_html", recorded)
    written = timeline_table(page(build, ext, source))
    assert results and results[0] is not None  # the rows were written by the extension
    assert '<span class="pre">kubectl</span>&#160; <span class="pre">drain</span>' in written
    assert "5 &lt; 7 &amp;" in written
    # (myst-parser 4 keeps the URL's & escaped, and the writer escapes it again)
    assert 'class="reference external" href="https://example.org/runbook?a=1&amp;' in written
    # the same page with its rows drawn as nodes and written by the writer
    monkeypatch.setattr(sphinx_postmortem.render, "rows_html", lambda rows, columns: None)
    drawn = timeline_table(build({f"doc.{ext}": source}, srcdir=tmp_path_factory.mktemp("nodes")))
    assert written == drawn
