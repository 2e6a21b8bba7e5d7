"""What a reader sees of an incident, its timeline and its actions."""

from __future__ import annotations

import re

import pytest
from conftest import Builder, example


@pytest.fixture
def full_html(build: Builder) -> str:
    return build({"doc.rst": example("full.rst")}).html("doc")


def squash(html: str) -> str:
    """HTML with tags removed and whitespace collapsed, as a reader reads it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_incident_summary_shows_fields_times_and_durations(full_html: str) -> None:
    text = squash(full_html)
    for shown in (
        "Incident : INC-2024-007",
        "Severity : SEV2",
        "Status : final",
        "Owner : payments-team",
        "Services : checkout, payments-db",
        "Authors : Ana Silva, Wei Zhang",
        "Tags : database, failover",
        "Started : 2024-03-14 09:02 CET",
        "Detected : 2024-03-14 09:12 CET",
        # not given on the incident: filled in by the timeline's [mitigated]
        "Mitigated : 2024-03-14 09:41 CET",
        "Resolved : 2024-03-14 10:05 CET",
        "Time to detect : 10 min",
        "Time to mitigate : 39 min",
        "Time to resolve : 1 h 3 min",
    ):
        assert shown in text
    assert 'id="INC-2024-007"' in full_html
    assert "<em>39 minutes</em>" in full_html


def test_missing_inputs_leave_a_duration_out(build: Builder) -> None:
    source = example("full.rst").replace("   :resolved: 2024-03-14 10:05\n", "")
    source = source.replace("   - 10:05 [Resolved] Orders flow again.\n", "")
    text = squash(build({"doc.rst": source}).html("doc"))
    assert "Time to mitigate : 39 min" in text
    assert "Time to resolve" not in text
    assert "Resolved :" not in text


def test_timeline_is_a_table_with_marked_milestones(full_html: str) -> None:
    table = full_html[full_html.index('class="pm-table') : full_html.index("</table>")]
    assert "Time (Europe/Berlin)" in table
    rows = re.findall(r"<tr class=\"(pm-entry[^\"]*?)(?: row-\w+)?\">(.*?)</tr>", table, re.S)
    assert [squash(cells) for _, cells in rows] == [
        "2024-03-14 09:02 CET Started : Disk on the primary database node fills up.",
        "09:12 Detected : The checkout error-rate alert pages the on-call engineer.",
        "09:41 Mitigated : Traffic moves to the replica.",
        "10:05 Resolved : Orders flow again.",
        "2024-03-15 00:10 CET [note] Backfill of failed orders completes.",
    ]
    assert rows[0][0].split() == [
        "pm-entry",
        "pm-milestone",
        "pm-milestone-started",
    ]
    assert rows[4][0] == "pm-entry"


def test_action_block_shows_every_field(full_html: str) -> None:
    text = squash(full_html)
    assert (
        "Alert when database disk usage passes 80% (INC-2024-007-A1) Owner: storage-team "
        "· Due: 2024-06-01 · Status: open · Priority: P1 · Type: detect · Tracker: OPS-123"
    ) in text
    # anchors are the ids themselves, so a link can be written by hand
    assert 'id="INC-2024-007-A1"' in full_html
    assert 'id="FAILOVER-DRILL"' in full_html
    # a key without postmortem_tracker_url is text; a URL is a link
    assert '<a class="reference external" href="https://tracker.example.com/browse/OPS-124"' in (
        full_html
    )
    assert "Completed: 2024-04-10" in text
    assert "overdue" not in text.lower()


def test_overdue_action_says_so_in_words(build: Builder) -> None:
    built = build(
        {"doc.rst": example("full.rst")},
        confoverrides={"postmortem_today": "2024-06-02"},
    )
    html = built.html("doc")
    assert "Alert when database disk usage passes 80% (INC-2024-007-A1) overdue" in squash(html)
    assert "pm-action pm-status-open pm-overdue" in html
    assert built.warnings == [
        "doc.rst:29: WARNING: action 'INC-2024-007-A1' (storage-team) was due 2024-06-01 "
        "and is still open [postmortem.overdue]"
    ]


def test_tracker_key_becomes_a_link_with_a_tracker_url(build: Builder) -> None:
    html = build(
        {"doc.rst": example("full.rst")},
        confoverrides={"postmortem_tracker_url": "https://tracker.example.com/browse/{}"},
    ).html("doc")
    assert 'href="https://tracker.example.com/browse/OPS-123"' in html


def test_text_and_latex_builders(build: Builder, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {"doc.rst": example("full.rst")}
    text = build(files, buildername="text").text("doc")
    assert "Time to resolve:\n   1 h 3 min" in text
    assert "**Detected**: The checkout error-rate alert" in text
    assert "Alert when database disk usage passes 80%" in text

    latex = build(files, buildername="latex", srcdir=tmp_path_factory.mktemp("latex"))
    tex = next(latex.outdir.glob("*.tex")).read_text(encoding="utf-8")
    assert "Time to resolve" in tex
    assert r"\label{\detokenize{doc:INC-2024-007-A1}}" in tex
    assert latex.warnings == []


def test_rest_and_myst_give_the_same_doctree(sphinx_doctree) -> None:  # type: ignore[no-untyped-def]
    sphinx_doctree.set_conf({"extensions": ["sphinx_postmortem", "myst_parser"], "root_doc": "doc"})
    rst = sphinx_doctree(example("full.rst"), filename="doc.rst")
    rst_tree = rst.get_resolved_pformat("doc")
    rst.app.cleanup()
    (sphinx_doctree.srcdir / "doc.rst").unlink()
    md = sphinx_doctree(example("full.md"), filename="doc.md")
    md_tree = md.get_resolved_pformat("doc")
    assert "pm-milestone-detected" in rst_tree
    # MyST keeps the comment that aligns its line numbers; nothing else differs
    md_tree = re.sub(r"\n( *)<comment[^>]*>\n\1 +[^\n]*", "", md_tree)
    assert md_tree == rst_tree.replace("doc.rst", "doc.md")
