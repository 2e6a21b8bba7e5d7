"""Cross-references, duplicate ids, the open-actions index and postmortem.json."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CONF, Builder, example
from test_tables import A, B

REFS_RST = """\
References
==========

See :incident:`INC-2024-001`, :action:`INC-2024-001-A2`,
:incident:`the disk incident <INC-2024-001>` and :postmortem:action:`INC-2024-002-A1`.

Broken: :incident:`INC-1999-999`.

Also broken: :action:`NOPE-1`.
"""

REFS_MD = """\
# References
% keeps the line numbers of the reST version

See {incident}`INC-2024-001`, {action}`INC-2024-001-A2`,
{incident}`the disk incident <INC-2024-001>` and {postmortem:action}`INC-2024-002-A1`.

Broken: {incident}`INC-1999-999`.

Also broken: {action}`NOPE-1`.
"""


@pytest.mark.parametrize(("name", "source"), [("refs.rst", REFS_RST), ("refs.md", REFS_MD)])
def test_references_link_with_the_title(build: Builder, name: str, source: str) -> None:
    built = build({"a.rst": A, "b.rst": B, name: source})
    html = built.html("refs")
    assert 'href="a.html#INC-2024-001"' in html
    assert ">INC-2024-001: Disk full<" in html
    assert ">Resize volumes<" in html
    assert ">the disk incident<" in html
    assert 'href="b.html#INC-2024-002-A1"' in html
    assert sorted(w for w in built.warnings if "postmortem.ref" in w) == [
        f"{name}:7: WARNING: unknown incident 'INC-1999-999' [postmortem.ref]",
        f"{name}:9: WARNING: unknown action 'NOPE-1' [postmortem.ref]",
    ]


def test_references_in_text_and_latex(
    build: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    files = {"a.rst": A, "b.rst": B, "refs.rst": REFS_RST}
    text = build(files, buildername="text").text("refs")
    assert "See *INC-2024-001: Disk full*, *Resize volumes*" in text
    latex = build(files, buildername="latex", srcdir=tmp_path_factory.mktemp("latex"))
    tex = next(latex.outdir.glob("*.tex")).read_text(encoding="utf-8")
    assert r"\hyperref[\detokenize{a:INC-2024-001-A2}]" in tex
    assert r"\label{\detokenize{a:INC-2024-001-A2}}" in tex


def test_a_title_change_rewrites_pages_that_refer_to_it(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "kb"
    build({"a.rst": A, "refs.rst": REFS_RST}, srcdir=srcdir)
    (srcdir / "a.rst").write_text(
        A.replace("Disk full\n=========", "Disk filled up\n==============")
    )
    assert ">INC-2024-001: Disk filled up<" in build(srcdir=srcdir).html("refs")


def test_duplicate_ids_warn_at_the_later_one_naming_the_first(build: Builder) -> None:
    files = {
        "a.rst": A,
        "z.rst": A.replace("Disk full", "Disk full again"),
        "b.rst": B.replace(
            ".. action:: Cache the index", ".. action:: Cache the index\n   :id: INC-2024-001-A1"
        ),
    }
    built = build(files)
    assert sorted(w for w in built.warnings if "postmortem.duplicate" in w) == [
        "b.rst:13: WARNING: duplicate action id 'INC-2024-001-A1': first defined at a.rst:13 [postmortem.duplicate]",
        "z.rst:13: WARNING: duplicate action id 'INC-2024-001-A1': first defined at a.rst:13 [postmortem.duplicate]",
        "z.rst:19: WARNING: duplicate action id 'INC-2024-001-A2': first defined at a.rst:19 [postmortem.duplicate]",
        "z.rst:26: WARNING: duplicate action id 'INC-2024-001-A3': first defined at a.rst:26 [postmortem.duplicate]",
        "z.rst:4: WARNING: duplicate incident id 'INC-2024-001': first defined at a.rst:4 [postmortem.duplicate]",
    ]


def test_open_actions_index_groups_by_owner(build: Builder, tmp_path: Path) -> None:
    files = {"a.rst": A, "b.rst": B, "refs.rst": "Refs\n====\n\n:ref:`postmortem-actions`\n"}
    built = build(files)
    page = built.html("postmortem-actions")
    owners = re.findall(r"<h2>([^<]*)<", page)
    assert owners == ["search-team", "storage-team"]  # sre's action is done
    assert 'href="a.html#INC-2024-001-A1"' in page
    assert 'due 2024-04-01 <span class="pm-overdue-label">overdue</span>' in page
    assert 'href="postmortem-actions.html"' in built.html("refs")

    off = build(
        files,
        srcdir=tmp_path / "off",
        confoverrides={"postmortem_action_index": False},
    )
    assert not (off.outdir / "postmortem-actions.html").exists()
    assert any("undefined label: 'postmortem-actions'" in w for w in off.warnings)


def test_export_content(build: Builder) -> None:
    data = build({"doc.rst": example("full.rst"), "orphan.rst": example("orphan.rst")}).export()
    assert data["version"] == 3
    assert data["today"] == "2024-05-01"
    (incident,) = data["incidents"]
    assert incident["times"]["mitigated"] == "2024-03-14T09:41:00+01:00"
    assert incident["durations"]["time_to_resolve"] == 3780
    assert incident["timeline"][-1] == {
        "time": "2024-03-15T00:10:00+01:00",
        "end": None,
        "date": "2024-03-15",
        "approximate": False,
        "milestones": [],
        "text": "[note] Backfill of failed orders completes.",
        "line": 26,
    }
    first = incident["actions"][0]
    assert (first["id"], first["owner"], first["due"], first["status"], first["overdue"]) == (
        "INC-2024-007-A1",
        "storage-team",
        "2024-06-01",
        "open",
        False,
    )
    assert first["url"] == "doc.html#INC-2024-007-A1"
    assert first["docname"] == "doc"
    assert first["commits"] == []  # not in a git repository
    (orphan,) = data["unassigned_actions"]
    assert (orphan["id"], orphan["overdue"]) == ("NOTES-1", True)


def test_export_is_identical_for_serial_and_parallel_builds(
    build: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from corpus import corpus

    files = {**corpus(10), "a.rst": A, "b.rst": B}
    outputs = []
    for parallel in (0, 2):
        built = build(files, srcdir=tmp_path_factory.mktemp(f"j{parallel}"), parallel=parallel)
        built.export()  # valid against the schema
        outputs.append((built.outdir / "postmortem.json").read_bytes())
    assert outputs[0] == outputs[1]


def test_export_for_other_builders_and_switched_off(
    build: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    files = {"a.rst": A}
    text = build(files, buildername="text")
    assert text.export()["incidents"][0]["url"] is None
    off = build(
        files, srcdir=tmp_path_factory.mktemp("off"), confoverrides={"postmortem_json": None}
    )
    assert not (off.outdir / "postmortem.json").exists()


def test_intersphinx_resolves_references_to_another_knowledge_base(
    build: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = build({"a.rst": A}, srcdir=tmp_path_factory.mktemp("other"))
    inventory = str(other.outdir / "objects.inv")
    conf = (
        CONF.replace(
            'extensions = ["sphinx_postmortem", "myst_parser"]',
            'extensions = ["sphinx_postmortem", "myst_parser", "sphinx.ext.intersphinx"]',
        )
        + f"intersphinx_mapping = {{'other': ({str(other.outdir)!r}, {inventory!r})}}\n"
    )
    source = "Refs\n====\n\n:incident:`INC-2024-001` and :incident:`INC-2099-999`.\n"
    built = build({"refs.rst": source}, srcdir=tmp_path_factory.mktemp("this"), conf=conf)
    assert "a.html#INC-2024-001" in built.html("refs")
    assert built.warnings == [
        "refs.rst:4: WARNING: unknown incident 'INC-2099-999' [postmortem.ref]"
    ]
