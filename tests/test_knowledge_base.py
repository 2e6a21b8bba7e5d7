"""The knowledge base in incidents/ and the files around it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import Builder, Built, ids_used_twice

ROOT = Path(__file__).parent.parent
KB = ROOT / "incidents"
TODAY = "2026-11-28"


def copy_kb(tmp_path: Path) -> Path:
    """The knowledge base with the README it includes, as in the repository."""
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(KB, tmp_path / "incidents", ignore=shutil.ignore_patterns("_build"))
    return tmp_path / "incidents"


def build_kb(build: Builder, srcdir: Path, **kwargs: object) -> Built:
    return build(
        srcdir=srcdir,
        confoverrides={"postmortem_today": TODAY, "show_warning_types": True},
        **kwargs,
    )


def test_knowledge_base_builds_without_warnings(build: Builder, tmp_path: Path) -> None:
    built = build_kb(build, copy_kb(tmp_path))
    assert built.warnings == []
    data = built.export()
    incidents = {i["id"]: i for i in data["incidents"]}
    assert len(incidents) >= 4

    # the examples cover what a writer meets
    assert any(
        i["docname"].endswith(".md") or (KB / f"{i['docname']}.md").exists()
        for i in incidents.values()
    )
    assert any(i["timezone"] not in ("UTC",) for i in incidents.values())
    crossing = [
        i
        for i in incidents.values()
        if len({t["time"][:10] for t in i["timeline"] if t["time"]}) > 1
    ]
    assert crossing, "one timeline crosses midnight"

    index = built.html("index")
    assert len(re.findall(r'<table class="[^"]*pm-incident-table', index)) == 1
    assert len(re.findall(r'<table class="[^"]*pm-action-table', index)) == 1  # open actions
    assert "No actions match (status open, in-progress; overdue)." in index
    for incident_id in incidents:
        assert f">{incident_id}<" in index
    assert 'href="README.html"' in index
    for feed in ("postmortem-actions.ics", "postmortem.atom"):  # linked, and there
        assert f'<a href="{feed}">' in index and (built.outdir / feed).is_file()
    assert "Blameless." in built.html("README")
    assert ids_used_twice(built.outdir) == {}  # every page, the open-actions page too


#: done actions of the sample whose completion was committed with a Closes-Action trailer
CLOSED_BY_COMMITS = ("INC-2017-001-A2", "INC-2018-001-A1", "INC-2019-001-A1")


def test_the_sample_shows_the_commits_that_closed_its_actions(
    build: Builder, tmp_path: Path
) -> None:
    """Built where it lives, so that the build reads this repository's history."""
    shallow = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
    )
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        pytest.skip("needs a git checkout with its whole history (fetch-depth: 0)")
    built = build_kb(build, KB, builddir=tmp_path / "build")
    assert built.warnings == []  # in particular no postmortem.commit
    actions = {a["id"]: a for i in built.export()["incidents"] for a in i["actions"]}
    for action_id in CLOSED_BY_COMMITS:
        action = actions[action_id]
        assert action["status"] == "done" and action["completed"]
        closing = [c for c in action["commits"] if c["kind"] == "closes"]
        assert closing, f"no commit closes {action_id}"
        page = built.html(action["docname"])
        assert f"{closing[0]['short']}</span></code>" in page
        assert f"{closing[0]['subject']} (closes)" in page
    done = [a for a in actions.values() if a["status"] == "done"]
    assert done and all(a["completed"] for a in done)  # the burn-down counts them all


def test_policy_opens_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    policy = readme[readme.index("<!-- policy:start -->") : readme.index("<!-- policy:end -->")]
    assert readme.index("<!-- policy:start -->") < readme.index("## Quick start")
    for word in ("Why we write them", "Open.", "Blameless.", "Constructive."):
        assert word in policy
    assert "make html" in readme and "make test" in readme


def test_devcontainer_is_valid_json() -> None:
    config = json.loads((ROOT / ".devcontainer/devcontainer.json").read_text(encoding="utf-8"))
    assert config["image"].startswith("mcr.microsoft.com/devcontainers/python")
    assert "make venv hooks" in config["postCreateCommand"]
    assert 8000 in config["forwardPorts"]


def test_ci_workflow_builds_and_checks_commits() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/postmortems.yml").read_text())
    steps = " ".join(step.get("run", "") for step in workflow["jobs"]["build"]["steps"])
    assert "make check-commits" in steps
    checkout = next(
        s for s in workflow["jobs"]["build"]["steps"] if "checkout" in s.get("uses", "")
    )
    assert checkout["with"]["fetch-depth"] == 0  # the build reads the commits' trailers
    assert "make html" in steps


def cz(*args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "cz"  # installed with the dev extra
    return subprocess.run([str(executable), "check", *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    "message",
    [
        "feat(action-table): filter by owner",
        "fix(timeline): keep the date across midnight",
        "docs(incidents): add INC-2026-004 post-mortem",
        "test: parity of reST and MyST",
        "refactor!: rename the export fields",
        "build: add tzdata\n\nZone names must work without a system database.",
    ],
)
def test_good_commit_messages_pass(message: str, tmp_path: Path) -> None:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message)
    assert cz("--commit-msg-file", str(path)).returncode == 0


@pytest.mark.parametrize(
    "message",
    [
        "Add INC-2026-004",
        "feat add filter",
        "feature: filter by owner",
        "feat(): empty scope",
        "feat:",
        "wip",
    ],
)
def test_bad_commit_messages_fail(message: str, tmp_path: Path) -> None:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message)
    result = cz("--commit-msg-file", str(path))
    assert result.returncode != 0
    assert "commit validation: failed" in result.stdout + result.stderr


def test_this_repository_follows_conventional_commits() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = cz("--rev-range", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_config_runs_the_same_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert hooks["commitizen"]["stages"] == ["commit-msg"]
    assert re.match(r"cz check .*--commit-msg-file", hooks["commitizen"]["entry"])
    assert "sphinx-postmortem check" in hooks["postmortem-check"]["entry"]
    trailers = hooks["action-trailers"]
    assert trailers["stages"] == ["commit-msg"]
    assert trailers["entry"].endswith("sphinx-postmortem check-trailers --kb incidents")
    assert trailers.get("pass_filenames", True)  # the message file is its argument
