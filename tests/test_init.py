"""sphinx-postmortem init: a knowledge base of one's own that builds and checks clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_cli import ENV, Terminal
from test_knowledge_base import ROOT

#: the Python running the tests is the one "on PATH" for the new Makefile
PATH_ENV = {**ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def init(target: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx_postmortem", "init", str(target), *flags],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=ENV,
    )


def sphinx_w(kb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(kb), str(kb / "_build")],
        capture_output=True,
        text=True,
        env=ENV,
    )


def test_init_writes_a_knowledge_base_that_builds_and_checks_clean(tmp_path: Path) -> None:
    kb = tmp_path / "postmortems"
    result = init(kb, "--project", "Ops *learning* <log>", "--id-prefix", "PM")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote a knowledge base in {os.path.relpath(kb)} (9 files)")
    assert sorted(str(p.relative_to(kb)) for p in kb.rglob("*") if p.is_file()) == [
        ".devcontainer/devcontainer.json",
        ".github/workflows/postmortems.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "Makefile",
        "README.md",
        "conf.py",
        "index.md",
        "requirements.txt",
    ]
    assert 'postmortem_id_pattern = r"PM-\\d{4}-\\d{3,}"' in (kb / "conf.py").read_text()
    assert "sphinx-postmortem==" in (kb / "requirements.txt").read_text()

    built = sphinx_w(kb)
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    index = (kb / "_build/index.html").read_text()
    assert "<h1>Ops *learning* &lt;log&gt;" in index
    for feed in ("postmortem-actions.ics", "postmortem.atom"):  # linked, and there
        assert f'<a href="{feed}">' in index and (kb / "_build" / feed).is_file()
    assert "Blameless." in (kb / "_build/README.html").read_text()

    checked = subprocess.run(
        ["make", "-s", "-C", str(kb), "check"], capture_output=True, text=True, env=PATH_ENV
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.endswith("0 problem(s); 0 of 0 post-mortem(s) pass every check.\n")

    made = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(kb),
            "new-incident",
            "TITLE=First $HOME",
            "SEVERITY=SEV2",
            "DATE=2026-11-28",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=PATH_ENV,
    )
    assert made.returncode == 0, made.stderr
    assert (kb / "2026/PM-2026-001-first-home.md").is_file()
    built = sphinx_w(kb)
    assert built.returncode == 0, built.stderr
    assert 'href="2026/PM-2026-001-first-home.html"' in (kb / "_build/index.html").read_text()


def test_the_ci_and_tool_files_are_valid(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    assert init(kb, "--gitlab", "--project", 'A "quoted" name').returncode == 0
    workflow = yaml.safe_load((kb / ".github/workflows/postmortems.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    assert {"pull_request", "push"} <= set(workflow[True])  # YAML 1.1 reads `on` as True
    assert any(s.get("run") == 'make html SPHINXOPTS="-W --keep-going"' for s in steps)
    gitlab = yaml.safe_load((kb / ".gitlab-ci.yml").read_text())
    assert "make check" in gitlab["post-mortems"]["script"]
    hooks = yaml.safe_load((kb / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == ["commitizen", "action-trailers", "postmortem-check"]
    assert any("make check-trailers" in s.get("run", "") for s in steps)
    assert next(s for s in steps if "checkout" in s.get("uses", ""))["with"]["fetch-depth"] == 0
    assert gitlab["post-mortems"]["variables"]["GIT_DEPTH"] == 0
    devcontainer = json.loads((kb / ".devcontainer/devcontainer.json").read_text())
    assert devcontainer["name"] == 'A "quoted" name'
    assert not (tmp_path / "plain").exists()
    assert init(tmp_path / "plain").returncode == 0
    assert not (tmp_path / "plain/.gitlab-ci.yml").exists()


HOOK_STAGE = ("--hook-stage", "commit-msg", "--commit-msg-filename")


def test_the_commit_msg_hook_refuses_a_trailer_naming_no_action(tmp_path: Path) -> None:
    """The hook as pre-commit runs it, on messages a writer might commit."""
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is installed with the dev extra")
    kb = tmp_path / "kb"
    assert init(kb, "--id-prefix", "PM").returncode == 0
    subprocess.run(["git", "init", "-q", str(kb)], check=True)
    (kb / "2026").mkdir()
    (kb / "2026/PM-2026-001.md").write_text(
        "# PM-2026-001: Cache\n\n:::{incident} PM-2026-001\n:date: 2026-01-05\n:::\n\n"
        ":::{action} Warm the cache\n:owner: platform\n:due: 2026-02-01\n:::\n"
    )
    env = {**PATH_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def hook(message: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "COMMIT_EDITMSG"
        path.write_text(message)
        return subprocess.run(
            [str(pre_commit), "run", "action-trailers", *HOOK_STAGE, str(path)],
            cwd=kb,
            capture_output=True,
            text=True,
            env=env,
        )

    good = hook("fix(cache): warm it at start\n\nCloses-Action: PM-2026-001-A1\n")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = hook("fix(cache): warm it at start\n\nCloses-Action: PM-2026-001-A2\n")
    assert bad.returncode == 1
    assert "'Closes-Action: PM-2026-001-A2' names an action that does not exist" in bad.stdout


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("ours")
    result = init(tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path} is not empty; use --force to write into it anyway" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert init(tmp_path, "--force").returncode == 0
    assert (tmp_path / "conf.py").is_file() and (tmp_path / "notes.txt").read_text() == "ours"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--id-prefix", "INC-"], "'INC-' is not an id prefix"),
        (["--timezone", "Mars/Olympus"], "'Mars/Olympus' is not a time zone"),
        (["--format", "docx"], "'docx' is not a format"),
        (["--project", "two\nlines"], "the project name holds a line break"),
    ],
)
def test_bad_flags_write_nothing(tmp_path: Path, flags: list[str], message: str) -> None:
    result = init(tmp_path / "kb", *flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "kb").exists()


def test_in_a_terminal_init_asks(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "kb", [sys.executable, "-m", "sphinx_postmortem", "init", "kb"])
    term.answer("Project name [Post-mortems]: ", "Platform incidents")
    term.answer("Id prefix (INC-2026-001) [INC]: ", "OPS-")
    term.expect("'OPS-' is not an id prefix")
    term.answer("Id prefix (INC-2026-001) [INC]: ", "OPS")
    term.answer("Time zone [UTC]: ", "Europe/Berlin")
    term.answer("Format of new post-mortems (md or rst) [md]: ", "rst")
    term.expect("Wrote a knowledge base in kb")
    assert term.process.wait(timeout=20) == 0
    conf = (tmp_path / "kb/conf.py").read_text()
    assert "project = 'Platform incidents'" in conf
    assert 'postmortem_id_pattern = r"OPS-\\d{4}-\\d{3,}"' in conf
    assert "postmortem_timezone = 'Europe/Berlin'" in conf
    assert 'postmortem_template_format = "rst"' in conf


def test_the_shipped_policy_is_the_readme_policy() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- policy:start -->\n") + len("<!-- policy:start -->\n")
    shipped = ROOT / "sphinx_postmortem/templates/init/policy.md"
    assert (
        shipped.read_text(encoding="utf-8") == readme[start : readme.index("<!-- policy:end -->")]
    )
