"""`close`, `actions` and `check-trailers`, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import write_project

from sphinx_postmortem.cli import main

CONF = """\
extensions = ["sphinx_postmortem", "myst_parser"]
myst_enable_extensions = ["colon_fence"]
postmortem_today = "2024-05-01"
html_baseurl = "https://kb.example.com/"
"""
DISK = """\
INC-2024-007: Disk full
=======================

.. incident:: INC-2024-007
   :date: 2024-03-14
   :severity: SEV2

.. action:: Alert when disk usage passes 80%
   :owner: storage-team
   :due: 2024-04-01
   :status: in-progress

.. action:: Rotate [old] logs
   :owner: platform
   :due: 2024-05-10

.. action:: Already done
   :owner: platform
   :due: 2024-04-01
   :status: done
   :completed: 2024-04-02
"""
QUEUE = """\
# INC-2024-008: Queue stalled

:::{incident} INC-2024-008
:date: 2024-03-15
:severity: SEV3
:::

:::{action} Run `terraform plan` in CI
:owner: storage-team
:due: 2024-06-30
:::
"""


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "incidents"
    write_project(root, {"2024/disk.rst": DISK, "2024/queue.md": QUEUE}, CONF)
    monkeypatch.chdir(tmp_path)
    return root


def run(*args: str) -> int:
    return main(list(args))


def test_close_edits_the_file_and_prints_the_commit_message(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("close", "INC-2024-008-A1", "--date", "2024-05-02") == 0
    assert (kb / "2024/queue.md").read_text() == QUEUE.replace(
        ":due: 2024-06-30\n", ":due: 2024-06-30\n:status: done\n:completed: 2024-05-02\n"
    )
    assert capsys.readouterr().out == (
        "Closed INC-2024-008-A1 in incidents/2024/queue.md:8: status done, completed 2024-05-02.\n"
        "\n"
        "Commit it with the work that did it, using this message (or add its last line,\n"
        "the trailer, to your own):\n"
        "\n"
        "    docs(incidents): close action INC-2024-008-A1\n"
        "\n"
        "    Run `terraform plan` in CI\n"
        "\n"
        "    Closes-Action: INC-2024-008-A1\n"
    )


@pytest.mark.parametrize(
    ("action_id", "message"),
    [
        (
            "INC-2024-007-A7",
            "no action 'INC-2024-007-A7' in incidents; did you mean INC-2024-007-A3, INC-2024-007-A2, INC-2024-007-A1?",
        ),
        (
            "INC-2024-007-A3",
            "incidents/2024/disk.rst:17: action 'INC-2024-007-A3' is already done, completed 2024-04-02",
        ),
    ],
)
def test_close_refuses_and_writes_nothing(
    kb: Path, capsys: pytest.CaptureFixture[str], action_id: str, message: str
) -> None:
    assert run("close", action_id) == 2
    assert capsys.readouterr().err == f"sphinx-postmortem: {message}\n"
    assert (kb / "2024/disk.rst").read_text() == DISK


def test_actions_as_text_grouped_by_owner_overdue_first(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("actions") == 0
    assert capsys.readouterr().out == (
        "storage-team (2 open, 1 overdue)\n"
        "  OVERDUE  2024-04-01  INC-2024-007-A1  Alert when disk usage passes 80%  [in-progress]\n"
        "           2024-06-30  INC-2024-008-A1  Run `terraform plan` in CI  [open]\n"
        "\n"
        "platform (1 open)\n"
        "           2024-05-10  INC-2024-007-A2  Rotate [old] logs  [open]\n"
        "\n"
    )


def test_actions_as_markdown_with_links(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("actions", "--format", "markdown", "--due-within", "10") == 0
    assert capsys.readouterr().out == (
        "## Open post-mortem actions, 2024-05-01\n"
        "\n"
        "### storage-team: 1 open, 1 overdue\n"
        "\n"
        "- [INC-2024-007-A1](https://kb.example.com/2024/disk.html#INC-2024-007-A1) Alert when disk usage passes 80% (**overdue**, due 2024-04-01, in-progress)\n"
        "\n"
        "### platform: 1 open\n"
        "\n"
        "- [INC-2024-007-A2](https://kb.example.com/2024/disk.html#INC-2024-007-A2) Rotate \\[old\\] logs (due 2024-05-10, open)\n"
        "\n"
    )


def test_actions_as_json_filtered(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("actions", "--format", "json", "--owner", "Storage-Team", "--overdue") == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "today": "2024-05-01",
        "actions": [
            {
                "id": "INC-2024-007-A1",
                "title": "Alert when disk usage passes 80%",
                "owner": "storage-team",
                "due": "2024-04-01",
                "status": "in-progress",
                "overdue": True,
                "priority": "P2",
                "incident": "INC-2024-007",
                "incident_title": "INC-2024-007: Disk full",
                "url": "https://kb.example.com/2024/disk.html#INC-2024-007-A1",
            }
        ],
    }


def test_no_match_says_so(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("actions", "--owner", "nobody") == 0
    assert capsys.readouterr().out == "No open action matches.\n"


def test_check_trailers_on_a_message_file(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good"
    good.write_text("fix: alert\n\nCloses-Action: INC-2024-007-A1\nRefs-Action: INC-2024-008-A1\n")
    assert run("check-trailers", str(good)) == 0
    bad = tmp_path / "bad"
    bad.write_text("fix: alert\n\nCloses-Action: INC-2024-007-A9\n")
    assert run("check-trailers", str(bad), "--kb", "incidents") == 1
    assert capsys.readouterr().err == (
        f"{bad}: 'Closes-Action: INC-2024-007-A9' names an action that does not exist\n"
    )


def test_check_trailers_on_a_range_of_commits(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], env=env, cwd=tmp_path, check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("commit", "-q", "--allow-empty", "-m", "chore: start")
    git("commit", "-q", "--allow-empty", "-m", "fix: a\n\nCloses-Action: INC-2024-007-A1")
    git("commit", "-q", "--allow-empty", "-m", "fix: b\n\nRefs-Action: GONE-1")
    short = git("rev-parse", "--short", "HEAD")
    assert run("check-trailers", "--rev-range", "HEAD~2..HEAD") == 1
    assert capsys.readouterr().err == (
        f"{short}: 'Refs-Action: GONE-1' names an action that does not exist\n"
    )
