"""action-table and incident-table: filters, sorting, columns, and always current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Builder, Built

A = """\
INC-2024-001: Disk full
=======================

.. incident:: INC-2024-001
   :date: 2024-01-10
   :severity: SEV1
   :status: final
   :services: checkout
   :tags: database
   :started: 10:00
   :resolved: 12:30

.. action:: Alert on disk usage
   :owner: storage-team
   :due: 2024-04-01
   :priority: P0
   :type: detect

.. action:: Resize volumes
   :owner: storage-team
   :due: 2024-06-01
   :status: in-progress
   :type: repair
   :tracker: OPS-1

.. action:: Write the runbook
   :owner: sre
   :due: 2024-02-01
   :status: done
   :type: process
"""

B = """\
INC-2024-002: Slow search
=========================

.. incident:: INC-2024-002
   :date: 2024-03-05
   :severity: SEV3
   :status: draft
   :services: search
   :tags: latency
   :started: 2024-03-05 08:00
   :resolved: 2024-03-05 08:20

.. action:: Cache the index
   :owner: search-team
   :due: 2024-05-15
   :priority: P1
   :type: prevent
"""

ACTIONS = "Actions\n=======\n\n{}\n"


def rows(built: Built, docname: str, table_class: str = "pm-action-table") -> list[list[str]]:
    html = built.html(docname)
    match = re.search(rf'<table class="[^"]*{table_class}.*?</table>', html, re.S)
    assert match, f"no {table_class} on {docname}"
    body = match.group(0).split("<tbody>")[1]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def ids(built: Built, docname: str = "tables", **kwargs: str) -> list[str]:
    return [row[0] for row in rows(built, docname, **kwargs)]


def table_page(build: Builder, options: str, kind: str = "action-table", **kwargs: object) -> Built:
    directive = f".. {kind}::\n" + "".join(f"   {line}\n" for line in options.splitlines())
    return build({"a.rst": A, "b.rst": B, "tables.rst": ACTIONS.format(directive)}, **kwargs)


def test_action_table_defaults_to_open_actions_by_due_date(build: Builder) -> None:
    built = table_page(build, "")
    assert rows(built, "tables") == [
        [
            "INC-2024-001-A1",
            "Alert on disk usage",
            "storage-team",
            "2024-04-01 overdue",
            "open",
            "P0",
            "INC-2024-001",
        ],
        [
            "INC-2024-002-A1",
            "Cache the index",
            "search-team",
            "2024-05-15",
            "open",
            "P1",
            "INC-2024-002",
        ],
        [
            "INC-2024-001-A2",
            "Resize volumes",
            "storage-team",
            "2024-06-01",
            "in-progress",
            "P2",
            "INC-2024-001",
        ],
    ]
    html = built.html("tables")
    assert '<tr class="pm-overdue' in html
    assert '<a class="reference internal" href="a.html#INC-2024-001-A1">' in html
    assert '<a class="reference internal" href="b.html#INC-2024-002">' in html


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ":status: all",
            ["INC-2024-001-A3", "INC-2024-001-A1", "INC-2024-002-A1", "INC-2024-001-A2"],
        ),
        (":status: done", ["INC-2024-001-A3"]),
        (":owner: storage-team", ["INC-2024-001-A1", "INC-2024-001-A2"]),
        (":owner: sre, search-team", ["INC-2024-002-A1"]),
        (":incident: INC-2024-002", ["INC-2024-002-A1"]),
        (":severity: SEV1", ["INC-2024-001-A1", "INC-2024-001-A2"]),
        (":type: repair, prevent", ["INC-2024-002-A1", "INC-2024-001-A2"]),
        (":priority: P0, P1", ["INC-2024-001-A1", "INC-2024-002-A1"]),
        (":overdue:", ["INC-2024-001-A1"]),
        (":sort: -due", ["INC-2024-001-A2", "INC-2024-002-A1", "INC-2024-001-A1"]),
        (":sort: priority", ["INC-2024-001-A1", "INC-2024-002-A1", "INC-2024-001-A2"]),
        (":sort: -severity", ["INC-2024-002-A1", "INC-2024-001-A1", "INC-2024-001-A2"]),
        (":sort: owner, -due", ["INC-2024-002-A1", "INC-2024-001-A2", "INC-2024-001-A1"]),
    ],
)
def test_action_table_filters_and_sorts(build: Builder, options: str, expected: list[str]) -> None:
    built = table_page(build, options)
    assert ids(built) == expected
    assert [w for w in built.warnings if "postmortem.table" in w] == []


def test_action_table_columns(build: Builder) -> None:
    built = table_page(build, ":columns: tracker, id, severity, type\n:owner: storage-team")
    assert '<th class="head">Tracker</th>' in built.html("tables")
    assert rows(built, "tables") == [
        ["", "INC-2024-001-A1", "SEV1", "detect"],
        ["OPS-1", "INC-2024-001-A2", "SEV1", "repair"],
    ]


def raw_rows(built: Built, docname: str, nth: int) -> list[str]:
    """The body rows of the nth action table, as written, paragraphs removed."""
    tables = re.findall(r'<table class="[^"]*pm-action-table.*?</table>', built.html(docname), re.S)
    body = tables[nth].split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", re.sub(r"</?p>", "", body), re.S)


def test_rows_written_as_html_match_the_writers_rows(build: Builder) -> None:
    # A tracker key is drawn as a literal, which only the HTML writer draws: that
    # table's rows are nodes. Without the column, the same rows are written as
    # HTML by the extension. Both must give the same cells, escaping included.
    hostile = A.replace("Alert on disk usage", 'Alert on <disk> & "usage" at ops@example.org')
    both = ACTIONS.format(
        ".. action-table::\n   :columns: id, action, due, incident, tracker\n\n"
        ".. action-table::\n   :columns: id, action, due, incident\n"
    )
    built = build({"a.rst": hostile, "b.rst": B, "tables.rst": both})
    drawn, written = raw_rows(built, "tables", 0), raw_rows(built, "tables", 1)
    assert len(written) == 3
    assert [re.sub(r'\n<td class="pm-col-tracker">.*?</td>', "", row) for row in drawn] == written
    assert written[0] == (
        '<tr class="pm-overdue row-even"><td class="pm-col-id">'
        '<a class="reference internal" href="a.html#INC-2024-001-A1">INC-2024-001-A1</a></td>\n'
        '<td class="pm-col-action"><a class="reference internal" href="a.html#INC-2024-001-A1">'
        "Alert on &lt;disk&gt; &amp; &quot;usage&quot; at ops&#64;example.org</a></td>\n"
        '<td class="pm-col-due"><span>2024-04-01 <span class="pm-overdue-label">overdue</span>'
        "</span></td>\n"
        '<td class="pm-col-incident">'
        '<a class="reference internal" href="a.html#INC-2024-001">INC-2024-001</a></td>\n</tr>'
    )
    assert 'row-odd"' in written[1]
    assert "<code" in drawn[2]  # the tracker key: the first table really is nodes
    # the search index reads the cells' text, not the HTML's character references
    terms = (built.app.outdir / "searchindex.js").read_text().split('"terms":')[1]
    assert '"disk"' in terms and '"quot"' not in terms and '"amp"' not in terms


def test_bad_table_options_warn_and_keep_the_rest(build: Builder) -> None:
    built = table_page(
        build, ":status: open, closed\n:sort: cost\n:columns: id, colour\n:severity: SEV9"
    )
    assert sorted(w for w in built.warnings if "postmortem.table" in w) == [
        "tables.rst:4: WARNING: action-table: :columns: 'colour' is not one of id, action, owner, due, status, priority, type, incident, severity, tracker [postmortem.table]",
        "tables.rst:4: WARNING: action-table: :severity: 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4 [postmortem.table]",
        "tables.rst:4: WARNING: action-table: :sort: 'cost' is not one of id, action, owner, due, status, priority, type, incident, severity, tracker [postmortem.table]",
        "tables.rst:4: WARNING: action-table: :status: 'closed' is not one of open, in-progress, done, wont-do [postmortem.table]",
    ]
    assert rows(built, "tables") == [["INC-2024-001-A1"], ["INC-2024-002-A1"]]


def test_empty_result_is_a_sentence(build: Builder) -> None:
    built = table_page(build, ":owner: nobody")
    html = built.html("tables")
    assert "pm-action-table" not in html
    assert (
        '<p class="pm-empty">No actions match (status open, in-progress; owner nobody).</p>' in html
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("", ["INC-2024-002", "INC-2024-001"]),
        (":sort: date", ["INC-2024-001", "INC-2024-002"]),
        (":sort: -ttr", ["INC-2024-001", "INC-2024-002"]),
        (":sort: severity", ["INC-2024-001", "INC-2024-002"]),
        (":severity: SEV3", ["INC-2024-002"]),
        (":status: final", ["INC-2024-001"]),
        (":service: checkout", ["INC-2024-001"]),
        (":tag: latency, other", ["INC-2024-002"]),
        (":since: 2024-02-01", ["INC-2024-002"]),
        (":until: 2024-02-01", ["INC-2024-001"]),
    ],
)
def test_incident_table_filters_and_sorts(
    build: Builder, options: str, expected: list[str]
) -> None:
    built = table_page(build, options, kind="incident-table")
    assert ids(built, table_class="pm-incident-table") == expected


def test_incident_table_default_columns(build: Builder) -> None:
    built = table_page(build, "", kind="incident-table")
    assert rows(built, "tables", "pm-incident-table") == [
        # the title without the id it starts with, which the Id column shows
        ["INC-2024-002", "Slow search", "2024-03-05", "SEV3", "draft", "20 min", "1"],
        [
            "INC-2024-001",
            "Disk full",
            "2024-01-10",
            "SEV1",
            "final",
            "2 h 30 min",
            "2",
        ],
    ]
    built = table_page(
        build,
        ":columns: id, owner, services, ttd, ttm, open-actions\n:severity: SEV1",
        kind="incident-table",
    )
    assert rows(built, "tables", "pm-incident-table") == [
        ["INC-2024-001", "", "checkout", "", "", "2"]
    ]


def test_overdue_actions_warn_once_each(build: Builder) -> None:
    built = table_page(build, "")
    assert [w for w in built.warnings if "postmortem.overdue" in w] == [
        "a.rst:13: WARNING: action 'INC-2024-001-A1' (storage-team) was due 2024-04-01 and is still open [postmortem.overdue]"
    ]
    silenced = table_page(build, "", confoverrides={"suppress_warnings": ["postmortem.overdue"]})
    assert silenced.warnings == []


# -- always current ----------------------------------------------------------------


@pytest.mark.parametrize("parallel", [0, 2])
def test_tables_on_their_own_page_follow_every_change(
    build: Builder, tmp_path: Path, parallel: int
) -> None:
    srcdir = tmp_path / "kb"
    filler = {f"notes/n{i}.rst": f"Note {i}\n=======\n\nText.\n" for i in range(6)}
    tables = ACTIONS.format(".. action-table::\n\n.. incident-table::")
    built = build(
        {"a.rst": A, "b.rst": B, "tables.rst": tables, **filler}, srcdir=srcdir, parallel=parallel
    )
    assert ids(built) == ["INC-2024-001-A1", "INC-2024-002-A1", "INC-2024-001-A2"]

    # an action's status is edited in A: it leaves the table
    (srcdir / "a.rst").write_text(A.replace(":status: in-progress", ":status: done"))
    built = build(srcdir=srcdir, parallel=parallel)
    assert ids(built) == ["INC-2024-001-A1", "INC-2024-002-A1"]
    status = built.app.status.getvalue()
    reading = status.split("reading sources")[1].split("looking for now-outdated")[0]
    assert "tables" not in reading  # rewritten without being read again
    assert re.search(r"writing output.*tables", status, re.S)

    # ...and enters it again
    (srcdir / "a.rst").write_text(A.replace(":status: done", ":status: open"))
    built = build(srcdir=srcdir, parallel=parallel)
    assert ids(built) == [
        "INC-2024-001-A3",
        "INC-2024-001-A1",
        "INC-2024-002-A1",
        "INC-2024-001-A2",
    ]

    # deleting A removes its rows
    (srcdir / "a.rst").unlink()
    built = build(srcdir=srcdir, parallel=parallel)
    assert ids(built) == ["INC-2024-002-A1"]
    assert ids(built, table_class="pm-incident-table") == ["INC-2024-002"]

    # adding C adds its rows
    (srcdir / "c.rst").write_text(A.replace("INC-2024-001", "INC-2024-003"))
    built = build(srcdir=srcdir, parallel=parallel)
    assert ids(built) == ["INC-2024-003-A1", "INC-2024-002-A1", "INC-2024-003-A2"]
    assert ids(built, table_class="pm-incident-table") == ["INC-2024-002", "INC-2024-003"]


def test_a_new_day_rewrites_overdue_marks_without_a_source_change(
    build: Builder, tmp_path: Path
) -> None:
    srcdir = tmp_path / "kb"
    tables = ACTIONS.format(".. action-table::")
    built = build(
        {"a.rst": A, "b.rst": B, "tables.rst": tables},
        srcdir=srcdir,
        confoverrides={"postmortem_today": "2024-03-01"},
    )
    assert "overdue" not in built.html("tables")
    built = build(srcdir=srcdir, confoverrides={"postmortem_today": "2024-05-20"})
    assert [r[3] for r in rows(built, "tables")] == [
        "2024-04-01 overdue",
        "2024-05-15 overdue",
        "2024-06-01",
    ]
    assert "ALERT ON DISK" not in built.html("a")
    assert "pm-overdue-label" in built.html("a")


def test_unchanged_project_rewrites_nothing(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "kb"
    build({"a.rst": A, "tables.rst": ACTIONS.format(".. action-table::")}, srcdir=srcdir)
    again = build(srcdir=srcdir)
    assert "no targets are out of date" in again.app.status.getvalue()
