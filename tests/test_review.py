"""The build reviews post-mortems: blame language, structure, action quality."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONF, Builder, Built
from test_cli import ENV
from test_knowledge_base import copy_kb

from sphinx_postmortem.config import REQUIRED_SECTIONS

REVIEW_CONF = CONF.replace("postmortem_review = False", "postmortem_review = True")
REVIEWED_RST = """\
INC-2024-030: A review in reST
==============================

.. incident:: INC-2024-030
   :date: 2024-04-02
   :severity: SEV2
   :status: draft
   :authors: Ana Silva

   The engineer should have checked the dashboard. We simply restarted it!


Root causes and trigger
-----------------------

Ana Silva changed the limit. The deploy failed to start, which is a fact.
The command was ``rm -rf``, the log said "just restart it", and a card: "Be more careful", all quoted:

    Obviously, said the runbook.

.. code-block:: text

   human error in a code block is not prose


.. timeline::

   - 09:00 The operator forgot to drain the node.


.. action:: Be more careful with deploys
   :owner: web-team, db-team
   :due: 2024-06-01
"""

REVIEWED_MD = """\
# INC-2024-030: A review in reST
% This line keeps the line numbers equal to those of the reST version.

```{incident} INC-2024-030
:date: 2024-04-02
:severity: SEV2
:status: draft
:authors: Ana Silva

The engineer should have checked the dashboard. We simply restarted it!
```

## Root causes and trigger
%

Ana Silva changed the limit. The deploy failed to start, which is a fact.
The command was `rm -rf`, the log said "just restart it", and a card: "Be more careful", all quoted:

> Obviously, said the runbook.

```text
human error in a code block is not prose
```


```{timeline}

- 09:00 The operator forgot to drain the node.
```

```{action} Be more careful with deploys
:owner: web-team, db-team
:due: 2024-06-01
```
"""

EXPECTED = [
    "doc:10: WARNING: blame language (counterfactual): 'should have'; say what happened and what made it the reasonable choice at the time [postmortem.blame]",
    "doc:16: WARNING: 'Ana Silva' is named in 'Root causes and trigger': describe the conditions in the system, not the person [postmortem.blame]",
    "doc:28: WARNING: blame language (blame): 'forgot'; describe which step nothing reminded or forced, and why [postmortem.blame]",
    "doc:31: WARNING: action 'Be more careful with deploys' has several owners (web-team, db-team): give it one owner, and name collaborators in its description [postmortem.action-quality]",
    "doc:31: WARNING: blame language (exhortation) in an action title: 'Be more careful'; change the system so that extra care is not needed: a check, a guard, a default [postmortem.blame]",
]


def reviewed(build: Builder, ext: str, source: str, tmp: Path, **conf: object) -> list[str]:
    extra = "".join(f"{name} = {value!r}\n" for name, value in conf.items())
    built = build({f"doc.{ext}": source}, srcdir=tmp, conf=REVIEW_CONF + extra)
    return sorted(w.replace(f"doc.{ext}:", "doc:") for w in built.warnings)


@pytest.mark.parametrize(("ext", "source"), [("rst", REVIEWED_RST), ("md", REVIEWED_MD)])
def test_review_finds_blame_in_prose_not_in_code_or_quotes(
    build: Builder, tmp_path: Path, ext: str, source: str
) -> None:
    assert reviewed(build, ext, source, tmp_path) == EXPECTED


def test_a_category_can_be_turned_off_and_terms_changed(build: Builder, tmp_path: Path) -> None:
    warnings = reviewed(
        build,
        "rst",
        REVIEWED_RST.replace("fact.", "fact. It was a cowboy change."),
        tmp_path,
        postmortem_blame_off=["exhortation", "animated"],
        postmortem_blame_allow=["forgot"],
        postmortem_blame_terms={"judgement": {"cowboy": "describe the change process"}},
    )
    blame = [w for w in warnings if "postmortem.blame" in w and "named in" not in w]
    assert blame == [
        "doc:10: WARNING: blame language (counterfactual): 'should have'; say what happened and what made it the reasonable choice at the time [postmortem.blame]",
        "doc:16: WARNING: blame language (judgement): 'cowboy'; describe the change process [postmortem.blame]",
    ]


def test_the_review_can_be_switched_off(build: Builder, tmp_path: Path) -> None:
    assert reviewed(build, "rst", REVIEWED_RST, tmp_path, postmortem_review=False) == []


def test_people_from_configuration_are_found_in_cause_sections(
    build: Builder, tmp_path: Path
) -> None:
    source = REVIEWED_RST.replace("The deploy failed", "Wei Zhang saw that the deploy failed")
    warnings = reviewed(build, "rst", source, tmp_path, postmortem_people=["Wei Zhang"])
    assert any("'Wei Zhang' is named in 'Root causes and trigger'" in w for w in warnings)


def minimal(status: str, body: str = "", actions: str = "") -> str:
    return (
        f"INC-2024-040: Structure\n======================\n\n.. incident:: INC-2024-040\n"
        f"   :date: 2024-04-02\n   :severity: SEV3\n   :status: {status}\n\n{body}\n{actions}"
    )


SECTIONS = "".join(
    f"{name}\n{'-' * len(name)}\n\nText.\n\n"
    for name in (
        "Customer impact",  # a synonym of Impact
        "Timeline",
        "Root causes",  # a synonym of Root causes and trigger
        "DETECTION",  # headings match case-insensitively
        "Resolution",
        "What went well",
        "What went wrong",
        "Where we got lucky",
        "Action items",
    )
)


def structure(build: Builder, tmp_path: Path, source: str) -> list[str]:
    built: Built = build({"doc.rst": source}, srcdir=tmp_path, conf=REVIEW_CONF)
    return [w.split(": WARNING: ")[1] for w in built.warnings if "postmortem.structure" in w]


def test_a_draft_may_be_incomplete(build: Builder, tmp_path: Path) -> None:
    assert structure(build, tmp_path, minimal("draft")) == []


def test_a_final_post_mortem_needs_everything(build: Builder, tmp_path: Path) -> None:
    assert structure(build, tmp_path, minimal("final")) == [
        f"INC-2024-040 is final but has no {name!r} section [postmortem.structure]"
        for name in REQUIRED_SECTIONS
    ] + [
        "INC-2024-040 is final but has no action [postmortem.structure]",
        "INC-2024-040 is final but has no timeline [postmortem.structure]",
        "INC-2024-040 is final but has no resolved time (:resolved: or [resolved]) [postmortem.structure]",
    ]


def test_a_complete_final_post_mortem_passes(build: Builder, tmp_path: Path) -> None:
    timeline = ".. timeline::\n\n   - 09:00 [started] x\n   - 10:00 [resolved] y\n\n"
    action = ".. action:: Alert when the disk passes 80%\n   :owner: a\n   :due: 2024-06-01\n   :type: {}\n"
    assert structure(
        build, tmp_path, minimal("final", SECTIONS + timeline, action.format("detect"))
    ) == [
        "INC-2024-040 is final but no action is of type prevent or mitigate [postmortem.structure]"
    ]
    assert (
        structure(build, tmp_path, minimal("final", SECTIONS + timeline, action.format("prevent")))
        == []
    )


def test_in_review_needs_a_documented_subset(build: Builder, tmp_path: Path) -> None:
    assert structure(build, tmp_path, minimal("in-review", "Impact\n------\n\nText.\n")) == [
        "INC-2024-040 is in-review but has no 'Root causes and trigger' section [postmortem.structure]",
        "INC-2024-040 is in-review but has no 'Action items' section [postmortem.structure]",
        "INC-2024-040 is in-review but has no action [postmortem.structure]",
    ]


@pytest.mark.parametrize(
    ("title", "vague"),
    [
        ("Improve monitoring", True),
        ("Improve p99 checkout latency to under 200 ms", False),
        ("Make alerting better", True),
        # an exhortation: a blame warning instead (tests/test_blame.py)
        ("Be more careful when deploying", False),
        ("Investigate further", True),
        ("Investigate further and decide whether to shard the index", False),
        ("Investigate", True),
        ("Alert when disk usage passes 80%", False),
        ("Add a canary stage to the deploy pipeline", False),
    ],
)
def test_vague_action_titles(build: Builder, tmp_path: Path, title: str, vague: bool) -> None:
    source = minimal("draft", actions=f".. action:: {title}\n   :owner: a\n   :due: 2024-06-01\n")
    built = build({"doc.rst": source}, srcdir=tmp_path, conf=REVIEW_CONF)
    found = [w for w in built.warnings if "postmortem.action-quality" in w]
    assert bool(found) is vague, found


@pytest.mark.parametrize(
    ("ext", "source"),
    [
        (
            "rst",
            "INC-2024-050: Disk full after an operator error\n================================================\n\n.. incident:: INC-2024-050\n   :date: 2024-04-02\n   :severity: SEV3\n",
        ),
        (
            "md",
            "# INC-2024-050: Disk full after an operator error\n\n```{incident} INC-2024-050\n:date: 2024-04-02\n:severity: SEV3\n```\n",
        ),
    ],
)
def test_a_title_is_reviewed_at_its_own_line(
    build: Builder, tmp_path: Path, ext: str, source: str
) -> None:
    assert reviewed(build, ext, source, tmp_path) == [
        "doc:1: WARNING: blame language (judgement): 'operator error'; name the condition that let a normal action cause harm [postmortem.blame]"
    ]


# -- template text left in a post-mortem -----------------------------------------------

TIMELINE = {
    "md": "```{timeline}\n- 2026-11-20 09:00 [started] Errors rise.\n"
    "- 10:00 [resolved] Errors stop.\n```\n\n"
    "```{action} Reject a deploy whose migration has not run\n:owner: web-team\n"
    ":due: 2099-01-01\n:type: prevent\n```\n",
    "rst": ".. timeline::\n\n   - 2026-11-20 09:00 [started] Errors rise.\n"
    "   - 10:00 [resolved] Errors stop.\n\n"
    ".. action:: Reject a deploy whose migration has not run\n   :owner: web-team\n"
    "   :due: 2099-01-01\n   :type: prevent\n",
}
#: an emphasised paragraph of the template: its placeholder prose
PLACEHOLDER = re.compile(r"^([_*])[A-Z][^\n]*(?:\n[^\n]+)*?\1$", re.M)


def new_final(kb: Path, ext: str) -> Path:
    """`sphinx-postmortem new`, switched to final, with a timeline and an action added."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx_postmortem", "new", "--kb", str(kb), "--title",
         "Checkout errors", "--severity", "SEV2", "--date", "2026-11-20", "--format", ext],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=kb.parent, env=ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (path,) = (kb / "2026").glob(f"*.{ext}")
    text = path.read_text(encoding="utf-8").replace(":status: draft", ":status: final")
    path.write_text(f"{text.rstrip()}\n\n{TIMELINE[ext]}", encoding="utf-8")
    return path


def check(kb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx_postmortem", "check", str(kb)],
        capture_output=True, text=True, cwd=kb.parent, env=ENV,
    )  # fmt: skip


@pytest.mark.parametrize("ext", ["md", "rst"])
def test_check_does_not_pass_an_unfilled_template(tmp_path: Path, ext: str) -> None:
    kb = copy_kb(tmp_path)
    path = new_final(kb, ext)
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(kb.parent)
    expected = []
    for match in PLACEHOLDER.finditer(text):
        line = 1 + text.count("\n", 0, match.start())
        expected.append(line)
    assert len(expected) == 10  # the summary and nine sections
    result = check(kb)
    assert result.returncode == 1, result.stdout
    found = re.findall(
        rf"{re.escape(str(relative))}:(\d+): (.+) still holds the template text", result.stdout
    )
    assert [int(line) for line, _ in found] == expected
    names = [name for _, name in found]
    assert names[:3] == ["the summary", "'Impact'", "'Timeline'"]
    assert names[-1] == "'Action items'"
    assert result.stdout.endswith("10 problem(s); 4 of 5 post-mortem(s) pass every check.\n")
    # written over, the same post-mortem passes
    path.write_text(PLACEHOLDER.sub("What happened here.", text), encoding="utf-8")
    result = check(kb)
    assert result.returncode == 0, result.stdout
