"""The pickled environment, configuration changes, and a project without us.

Between builds only ``conf.py`` is rewritten (never the sources), so what a
test sees comes from the environment Sphinx kept, not from reading again.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from conftest import CONF, Builder, Built, example
from corpus import corpus
from robust import output, pages

from sphinx_postmortem.domain import PER_DOC

TABLES = """\
Tables
======

.. action-table::
   :columns: id, due, tracker

.. incident-table::
   :columns: id, severity, ttr

See :incident:`INC-2024-001`.
"""


def text_of(html: str) -> str:
    body = html[html.index('<div class="body"') : html.index('<div class="sphinxsidebar"')]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_a_build_from_the_pickled_environment_writes_the_same_pages(
    build: Builder, tmp_path: Path
) -> None:
    srcdir = tmp_path / "src"
    files = {
        **corpus(2),
        "full.rst": example("full.rst"),
        "tables.md": example("tables.md"),
        "bad-fields.rst": example("bad-fields.rst"),
        "timeline-problems.md": example("timeline-problems.md"),
        "tables-page.rst": TABLES,
    }
    first = build(files, srcdir=srcdir)
    written = {
        **pages(first.outdir),
        "postmortem.json": (first.outdir / "postmortem.json").read_bytes(),
    }

    with open(Path(first.app.doctreedir, "environment.pickle"), "rb") as f:
        env = pickle.load(f)
    stored, live = env.domaindata["postmortem"], first.app.env.domaindata["postmortem"]
    for key in (*PER_DOC, "state"):
        assert stored[key] == live[key], key
    assert len(stored["incidents"]) == 6 and stored["tables"] and stored["refs"]
    assert b"docutils.nodes" not in pickle.dumps(stored)

    # every page again, from the pickle alone: no source is read
    for path in [*first.outdir.rglob("*.html"), first.outdir / "postmortem.json"]:
        path.unlink()
    second = build(srcdir=srcdir)
    assert "0 added, 0 changed, 0 removed" in second.app.status.getvalue()
    again = {
        **pages(second.outdir),
        "postmortem.json": (second.outdir / "postmortem.json").read_bytes(),
    }
    assert sorted(again) == sorted(written)
    assert [name for name in written if again[name] != written[name]] == []


INCIDENT = """\
Outage
======

.. incident:: INC-2024-001
   :date: 2024-03-14
   :severity: major
   :started: 09:00
   :resolved: 10:00

.. action:: Add an alert
   :owner: team
   :due: 2024-06-01
   :tracker: OPS-1
"""
SEVERITIES = 'postmortem_severities = ["critical", "major", "minor"]\n'
TRACKER = 'postmortem_tracker_url = "https://tracker.example.com/browse/{}"\n'


def test_a_changed_setting_shows_in_every_page_that_depends_on_it(
    build: Builder, tmp_path: Path
) -> None:
    srcdir = tmp_path / "src"

    def rebuild(conf: str) -> Built:
        (srcdir / "conf.py").write_text(conf, encoding="utf-8")
        return build(srcdir=srcdir)

    def overdue(built: Built) -> list[bool]:
        return [text_of(built.html(name)).count("overdue") > 0 for name in ("inc", "tables")]

    first = build({"inc.rst": INCIDENT, "tables.rst": TABLES}, srcdir=srcdir)
    assert (
        "inc.rst:4: WARNING: INC-2024-001: :severity: 'major' is not one of SEV1, SEV2, SEV3, SEV4 [postmortem.incident]"
        in first.warnings
    )
    assert first.export()["incidents"][0]["severity"] is None
    assert overdue(first) == [False, False]

    # postmortem_severities: the value becomes valid, in the record and the table
    second = rebuild(CONF + SEVERITIES)
    assert [w for w in second.warnings if "[postmortem." in w] == []
    assert second.export()["incidents"][0]["severity"] == "major"
    assert "INC-2024-001 major 1 h" in text_of(second.html("tables"))

    # postmortem_today alone: no source is read again, yet both pages turn overdue
    third = rebuild(CONF.replace("2024-05-01", "2024-07-01") + SEVERITIES)
    assert "0 added, 0 changed, 0 removed" in third.app.status.getvalue()
    assert overdue(third) == [True, True]
    assert third.export()["incidents"][0]["actions"][0]["overdue"] is True
    assert (
        "inc.rst:10: WARNING: action 'INC-2024-001-A1' (team) was due 2024-06-01 and is still open [postmortem.overdue]"
        in third.warnings
    )

    # postmortem_tracker_url and postmortem_timezone: a link on both pages, other instants
    fourth = rebuild(
        CONF.replace("2024-05-01", "2024-07-01")
        + SEVERITIES
        + TRACKER
        + 'postmortem_timezone = "Asia/Tokyo"\n'
    )
    link = 'href="https://tracker.example.com/browse/OPS-1"'
    assert link in fourth.html("inc")
    assert link in fourth.html("tables")
    incident = fourth.export()["incidents"][0]
    assert incident["actions"][0]["tracker_url"] == "https://tracker.example.com/browse/OPS-1"
    assert incident["times"]["started"] == "2024-03-14T09:00:00+09:00"
    assert "2024-03-14 09:00 JST" in text_of(fourth.html("inc"))

    # and postmortem_today back: overdue is gone again, from both pages
    fifth = rebuild(CONF + SEVERITIES + TRACKER + 'postmortem_timezone = "Asia/Tokyo"\n')
    assert "0 added, 0 changed, 0 removed" in fifth.app.status.getvalue()
    assert overdue(fifth) == [False, False]
    assert fifth.export()["incidents"][0]["actions"][0]["overdue"] is False


WITHOUT_US = {
    "incident.rst": INCIDENT + "\n.. timeline::\n\n   - 09:00 [started] x\n",
    "tables.rst": TABLES + "\n:action:`INC-2024-001-A1`\n",
    "doc.md": example("full.md").replace("# INC", "# Markdown INC"),
    "tables-md.md": example("tables.md") + "\n{incident}`INC-2024-001` {action}`X`\n",
}
EXPECTED_WITHOUT_US = (
    # reST: docutils drops the directive or role with an error
    re.compile(
        r'[\w-]+\.rst:\d+: ERROR: Unknown directive type "(incident|timeline|action|action-table|incident-table)"\.'
    ),
    re.compile(r'[\w-]+\.rst:\d+: ERROR: Unknown interpreted text role "(incident|action)"\. .*'),
    # MyST: a warning each (myst-parser 4 names the file "doc.md.rst")
    re.compile(
        r"[\w-]+\.md(?:\.rst)?:\d+: WARNING: Unknown directive type: '(incident|timeline|action|action-table|incident-table)' \[myst\.directive_unknown\]"
    ),
    re.compile(
        r'[\w-]+\.md(?:\.rst)?:\d+: WARNING: Unknown interpreted text role "(incident|action)"\. \[myst\.role_unknown\]'
    ),
)


def test_a_project_without_the_extension_still_builds(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "src"
    with_us = build(WITHOUT_US, srcdir=srcdir)
    exported = with_us.export()

    (srcdir / "conf.py").write_text(CONF.replace('"sphinx_postmortem", ', ""), encoding="utf-8")
    without = build(srcdir=srcdir)
    printed = output(without)
    assert "Traceback" not in printed and "Exception occurred" not in printed
    found = set()
    for warning in without.warnings:
        match = next((m for p in EXPECTED_WITHOUT_US if (m := p.fullmatch(warning))), None)
        assert match is not None, warning
        found.add(match[1])
    assert found == {"incident", "timeline", "action", "action-table", "incident-table"}
    for name in WITHOUT_US:
        assert (without.outdir / name.rpartition(".")[0]).with_suffix(".html").is_file()

    # and back: the same records as before
    (srcdir / "conf.py").write_text(CONF, encoding="utf-8")
    back = build(srcdir=srcdir)
    assert "Traceback" not in output(back)
    assert back.export() == exported
    assert sorted(back.warnings) == sorted(with_us.warnings)


def test_timeline_entries_come_back_from_the_pickle_as_they_were() -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from sphinx_postmortem.records import PACKED, Timeline, TimelineEntry

    zone = ZoneInfo("Europe/Copenhagen")
    placed = TimelineEntry(
        line=3,
        text='Failover "started" \u2013 caf\u00e9',
        stamp="~02:30-03:30",
        approximate=True,
        dated=True,
        when=dt.datetime(2024, 3, 31, 1, 30, tzinfo=zone),
        end=dt.datetime(2024, 3, 31, 3, 30, tzinfo=zone),
        day=dt.date(2024, 3, 31),
        milestones=("started", "detected"),
        source="/kb/a.md",
    )
    unknown = TimelineEntry(line=4, text="Someone noticed", source="/kb/included.md")
    timeline = Timeline(line=1, timezone="Europe/Copenhagen", entries=[placed, unknown])
    timeline.source = "/kb/a.md"
    again = pickle.loads(pickle.dumps(timeline, pickle.HIGHEST_PROTOCOL))
    assert again == timeline
    assert [e.when.astimezone(zone) for e in again.entries if e.when] == [placed.when]
    assert again.entries[1].source == "/kb/included.md"
    # a packing of another version refuses to load, so Sphinx reads the documents again
    foreign = pickle.dumps(timeline, pickle.HIGHEST_PROTOCOL).replace(
        PACKED.encode(), PACKED.replace("1", "0").encode()
    )
    with pytest.raises(ValueError, match="packed as"):
        pickle.loads(foreign)
