"""Pages that stay right and read well: the menu after a post-mortem is added,
deleted or renamed, the open-actions page, table filters that match nothing,
and one element per id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Builder, Built, ids_used_twice, plain
from corpus import incident_rst
from test_tables import A, B

FURO = {"html_theme": "furo"}
ABOUT = "About\n=====\n\nHow we write post-mortems.\n"
INDEX = """\
Post-mortems
============

.. toctree::
   :glob:

   about
   incidents/*
"""


def written(built: Built) -> set[str]:
    """The pages this build wrote, as its status output names them."""
    status = plain(built.app.status.getvalue())
    return set(re.findall(r"writing output\.\.\. \[\s*\d+%\] (\S+)", status))


def sidebar(built: Built, docname: str) -> str:
    """The menu at the side of a page, in furo (the knowledge base's theme)."""
    return built.html(docname).split('class="sidebar-tree"')[1].split('class="main"')[0]


def menu(built: Built, docname: str) -> list[str]:
    """The post-mortems a page's menu links to, by file name."""
    found = re.findall(r'href="(?:\.\./)?(?:incidents/)?(inc\d+)\.html"', sidebar(built, docname))
    return sorted(set(found))


def assert_menus(built: Built, post_mortems: list[str]) -> None:
    """Every page's menu links every post-mortem (a page links itself as "#")."""
    for page in ["about", "index"] + [f"incidents/{p}" for p in post_mortems]:
        others = [p for p in post_mortems if not page.endswith(p)]
        assert menu(built, page) == others, page


@pytest.mark.parametrize("parallel", [0, 2])
def test_the_menu_of_every_page_follows_added_deleted_and_renamed_post_mortems(
    build: Builder, tmp_path: Path, parallel: int
) -> None:
    srcdir = tmp_path / "kb"
    files = {"index.rst": INDEX, "about.rst": ABOUT}
    files |= {f"incidents/inc00{n}.rst": incident_rst(n) for n in (1, 2)}
    built = build(files, srcdir=srcdir, parallel=parallel, confoverrides=FURO)
    assert menu(built, "about") == ["inc001", "inc002"]

    # a new post-mortem: every page's menu links it, the pages not read included
    (srcdir / "incidents/inc003.rst").write_text(incident_rst(3))
    built = build(srcdir=srcdir, parallel=parallel, confoverrides=FURO)
    assert_menus(built, ["inc001", "inc002", "inc003"])

    # a deleted one: no page links it any more
    (srcdir / "incidents/inc002.rst").unlink()
    built = build(srcdir=srcdir, parallel=parallel, confoverrides=FURO)
    assert_menus(built, ["inc001", "inc003"])
    assert not any("inc002.html" in p.read_text() for p in built.outdir.rglob("*.html"))

    # a renamed one: every menu shows the new title
    path = srcdir / "incidents/inc003.rst"
    old = "INC-2024-003: Generated incident number 3"
    new = "INC-2024-003: Certificates expire on a Sunday"
    path.write_text(
        path.read_text().replace(old + "\n" + "=" * len(old), new + "\n" + "=" * len(new))
    )
    built = build(srcdir=srcdir, parallel=parallel, confoverrides=FURO)
    assert new in sidebar(built, "about")
    assert old not in built.html("incidents/inc001")
    assert built.warnings == []


def test_an_edit_that_leaves_the_menu_alone_writes_only_what_changed(
    build: Builder, tmp_path: Path
) -> None:
    srcdir = tmp_path / "kb"
    files = {"index.rst": INDEX, "about.rst": ABOUT}
    files |= {f"incidents/inc00{n}.rst": incident_rst(n) for n in (1, 2)}
    build(files, srcdir=srcdir)
    path = srcdir / "incidents/inc001.rst"
    path.write_text(path.read_text().replace("Summary of incident 1.", "A longer summary."))
    again = written(build(srcdir=srcdir))
    assert "incidents/inc001" in again
    assert not again & {"about", "incidents/inc002"}
    assert written(build(srcdir=srcdir)) == set()

    # a post-mortem added: every page is written, those not read included
    (srcdir / "incidents/inc003.rst").write_text(incident_rst(3))
    assert written(build(srcdir=srcdir)) == {
        "about",
        "index",
        "incidents/inc001",
        "incidents/inc002",
        "incidents/inc003",
    }


# -- the open-actions page --------------------------------------------------------------

OWNERS = A.replace(":owner: storage-team", ":owner: Storage Team <ops>", 1)


@pytest.mark.parametrize("theme", ["alabaster", "furo"])
def test_open_actions_page_reads_as_prose_with_valid_anchors(build: Builder, theme: str) -> None:
    built = build({"a.rst": OWNERS, "b.rst": B}, confoverrides={"html_theme": theme})
    html = built.html("postmortem-actions")
    body = html.split('id="open-actions"')[1]
    assert "<code" not in body  # titles in the text's font, not as code
    headings = re.findall(r"<h2>(.*?)<a", body)
    assert headings == ["search-team", "Storage Team &lt;ops&gt;", "storage-team"]
    assert 'id="owner-storage-team-ops"' in body and 'href="#owner-storage-team-ops"' in body
    assert 'href="a.html#INC-2024-001-A1"><span>Alert on disk usage</span></a>' in body
    line = re.sub(r"<[^>]+>", "", body.split("Alert on disk usage")[1].split("</li>")[0])
    assert line == " (INC-2024-001-A1) · due 2024-04-01 overdue · open"
    assert "<title>Open actions" in html
    assert ids_used_twice(built.outdir) == {}
    assert all(" " not in i for i in re.findall(r'id="([^"]*)"', html))


def test_open_actions_page_lines_are_escaped_as_the_writer_escapes(build: Builder) -> None:
    # the lines are written as HTML by the extension, not by the writer: the
    # same markup as the writer's (compared by hand) and every character escaped
    hostile = A.replace("Alert on disk usage", 'Alert on <disk> & "usage" at ops@example.org')
    built = build({"a.rst": hostile, "b.rst": B})
    assert (
        '<li><p><a class="reference internal" href="a.html#INC-2024-001-A1"><span>'
        "Alert on &lt;disk&gt; &amp; &quot;usage&quot; at ops&#64;example.org</span></a> "
        '<span class="pm-id">(INC-2024-001-A1)</span> · due 2024-04-01 '
        '<span class="pm-overdue-label">overdue</span> · open</p></li>'
    ) in built.html("postmortem-actions")


def test_open_actions_page_without_open_actions_says_so(build: Builder) -> None:
    done = B.replace(":priority: P1", ":priority: P1\n   :status: done")
    html = build({"b.rst": done}).html("postmortem-actions")
    body = html.split('id="open-actions"')[1]
    assert '<p class="pm-empty">No open actions.</p>' in body
    assert "<h2" not in body and 'id="cap-' not in html


# -- filters that match no record ----------------------------------------------------

TYPOS = """\
Tables
======

.. action-table::
   :owner: storage-tem, search-team, sre

.. action-table::
   :incident: INC-2024-0001

.. incident-table::
   :service: chekout, search
   :tag: latency, databse
"""

TYPOS_MD = """\
# Tables

```{action-table}
:owner: storage-tem, search-team, sre
```

```{action-table}
:incident: INC-2024-0001
```

```{incident-table}
:service: chekout, search
:tag: latency, databse
```
"""


def table_warnings(built: Built) -> list[str]:
    return [w for w in built.warnings if "[postmortem.table]" in w]


@pytest.mark.parametrize(
    ("name", "source", "lines"),
    [("tables.rst", TYPOS, (4, 7, 10)), ("tables.md", TYPOS_MD, (3, 7, 11))],
)
@pytest.mark.parametrize("parallel", [0, 2])
def test_a_filter_naming_what_no_record_has_is_a_warning_at_the_table(
    build: Builder, name: str, source: str, lines: tuple[int, int, int], parallel: int
) -> None:
    built = build({"a.rst": A, "b.rst": B, name: source}, parallel=parallel)
    ours = [w for w in built.warnings if "[postmortem.table]" in w]
    owner, incident, table = (f"{name}:{line}: WARNING: " for line in lines)
    assert sorted(ours) == sorted(
        [
            owner + "action-table: :owner: no action has the owner 'storage-tem'; "
            "did you mean 'storage-team'? [postmortem.table]",
            incident + "action-table: :incident: no action has the incident "
            "'INC-2024-0001'; did you mean 'INC-2024-001'? [postmortem.table]",
            table + "incident-table: :service: no incident has the service "
            "'chekout'; did you mean 'checkout'? [postmortem.table]",
            table + "incident-table: :tag: no incident has the tag 'databse'; "
            "did you mean 'database'? [postmortem.table]",
        ]
    )  # sre has only a done action: no warning, though the table shows none of it


def test_a_filter_warning_follows_the_records_in_incremental_builds(
    build: Builder, tmp_path: Path
) -> None:
    srcdir = tmp_path / "kb"
    table = "Tables\n======\n\n.. action-table::\n   :owner: db-team\n"
    built = build({"a.rst": A, "tables.rst": table}, srcdir=srcdir)
    expected = (
        "tables.rst:4: WARNING: action-table: :owner: no action has the owner 'db-team' "
        "[postmortem.table]"
    )
    assert table_warnings(built) == [expected]
    # another page is edited: the table's page is not read again, the warning stays
    (srcdir / "a.rst").write_text(A.replace("Resize volumes", "Grow the volumes"))
    assert table_warnings(build(srcdir=srcdir)) == [expected]

    # another page gives db-team an action: the table's page is not read again
    (srcdir / "b.rst").write_text(B.replace("search-team", "db-team"))
    built = build(srcdir=srcdir)
    assert table_warnings(built) == []
    assert "Cache the index" in built.html("tables")

    # the table's page is deleted: its filters go with it
    (srcdir / "b.rst").unlink()
    (srcdir / "tables.rst").unlink()
    assert table_warnings(build(srcdir=srcdir)) == []


# -- one element per id ----------------------------------------------------------------


def test_each_action_and_incident_id_is_on_one_element(
    build: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    refs = "Refs\n====\n\n:action:`INC-2024-001-A2` and :incident:`INC-2024-001`.\n"
    files = {"a.rst": A, "b.rst": B, "refs.rst": refs}
    built = build(files)
    page = built.html("a")
    assert page.count('id="INC-2024-001-A2"') == 1
    assert page.count('id="INC-2024-001"') == 1
    assert 'href="a.html#INC-2024-001-A2"' in built.html("refs")
    assert ids_used_twice(built.outdir) == {}

    latex = build(files, buildername="latex", srcdir=tmp_path_factory.mktemp("latex"))
    tex = next(latex.outdir.glob("*.tex")).read_text(encoding="utf-8")
    assert tex.count(r"\label{\detokenize{a:INC-2024-001-A2}}") == 1
    assert r"\hyperref[\detokenize{a:INC-2024-001-A2}]" in tex
    text = build(files, buildername="text", srcdir=tmp_path_factory.mktemp("text"))
    assert "Resize volumes" in text.text("refs")
