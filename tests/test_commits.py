"""Commit trailers: read from a real repository, and checked in a commit message."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
from pathlib import Path

import pytest
from conftest import Builder, git, write_project

from sphinx_postmortem.commits import (
    CommitRef,
    History,
    changed_actions,
    check_trailers,
    footer,
    problems,
    read_history,
)
from sphinx_postmortem.records import Action


def commit(repo: Path, message: str, date: str = "2024-04-20T10:00:00+02:00") -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def test_trailers_are_read_newest_first_with_their_kind(repo: Path) -> None:
    commit(repo, "feat: start")
    first = commit(
        repo,
        "fix(db): alert on disk\n\nBody.\n\nCloses-Action: INC-2024-007-A1\nRefs-Action: INC-2024-007-A2",
        date="2024-04-20T23:30:00-05:00",
    )
    last = commit(repo, "docs: note\n\nrefs-action: INC-2024-007-A2, INC-2024-008-A1")
    commit(repo, "chore: not a footer\n\nCloses-Action: X-1\nthis line makes it prose")
    (repo / "sub").mkdir()
    history = read_history(repo / "sub")  # from a folder inside the repository
    assert history is not None
    assert history.head == git(repo, "rev-parse", "HEAD").strip()
    assert history.by_action == {
        "INC-2024-007-A1": (
            CommitRef(first, first[:7], dt.date(2024, 4, 20), "fix(db): alert on disk", "closes"),
        ),
        "INC-2024-007-A2": (
            CommitRef(last, last[:7], dt.date(2024, 4, 20), "docs: note", "refs"),
            CommitRef(first, first[:7], dt.date(2024, 4, 20), "fix(db): alert on disk", "refs"),
        ),
        "INC-2024-008-A1": (CommitRef(last, last[:7], dt.date(2024, 4, 20), "docs: note", "refs"),),
    }
    assert pickle.loads(pickle.dumps(history)) == history


def test_outside_a_repository_or_before_the_first_commit_there_is_no_history(
    tmp_path: Path, repo: Path
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-plain"
    outside.mkdir()
    assert read_history(outside) is None
    assert read_history(repo) is None


def _action(action_id: str, status: str) -> Action:
    return Action("inc", 12, "Alert", id=action_id, status=status)


def test_problems_name_the_commit_and_what_to_write() -> None:
    closing = CommitRef("a" * 40, "aaaaaaa", dt.date(2024, 4, 20), "fix: alert", "closes")
    refs = CommitRef("b" * 40, "bbbbbbb", dt.date(2024, 4, 21), "docs: x", "refs")
    history = History(
        "a" * 40,
        {
            "INC-1-A1": (closing,),
            "INC-1-A2": (closing,),
            "INC-1-A3": (refs,),
            "INC-1-A9": (refs,),
            "OTHER-KB-1-A1": (refs,),  # an action of another knowledge base: not ours
        },
    )
    actions = {
        "INC-1-A1": _action("INC-1-A1", "in-progress"),
        "INC-1-A2": _action("INC-1-A2", "done"),
        "INC-1-A3": _action("INC-1-A3", "open"),
    }
    found = problems(history, actions, ["INC-1"])
    assert [(p.action_id, p.action is not None, p.message) for p in found] == [
        (
            "INC-1-A1",
            True,
            "action 'INC-1-A1' was closed by commit aaaaaaa ('fix: alert', 2024-04-20) but is "
            "still in-progress: write ':status: done' and ':completed: 2024-04-20' "
            "(sphinx-postmortem close INC-1-A1 --date 2024-04-20)",
        ),
        (
            "INC-1-A9",
            False,
            "commit bbbbbbb ('docs: x') names action 'INC-1-A9', which does not exist",
        ),
    ]


MESSAGES = [
    "fix: a\n\nCloses-Action: INC-1-A1\n",
    "fix: a\n\nBody.\n\nCloses-Action: INC-1-A1\nRefs-Action: INC-1-A2\n",
    "fix: a\n\nCloses-Action: INC-1-A1\nSome prose line\n",
    "fix: a\n\nCloses-Action: INC-1-A1\nSome prose line\nSigned-off-by: A <a@example.com>\n",
    "fix: a\n\nCloses-Action: INC-1-A1\n\nLater prose.\n",
    "Closes-Action: INC-1-A1\n",
    "fix: a\n\nRefs-Action: INC-1-A1,\n  INC-1-A2\n# a comment\n",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_the_footer_is_what_git_reads(repo: Path, message: str) -> None:
    parsed = subprocess.run(
        ["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True
    ).stdout
    expected = [tuple(line.split(": ", 1)) for line in parsed.splitlines()]
    assert footer(message) == expected


def test_check_trailers_refuses_unknown_ids_and_misplaced_or_misspelt_trailers() -> None:
    known = {"INC-1-A1", "INC-1-A2"}
    assert check_trailers("fix: a\n\nCloses-Action: INC-1-A1\nRefs-Action: INC-1-A2\n", known) == []
    assert check_trailers("fix: a\n\nCloses-Action: INC-1-A9\n", known) == [
        "'Closes-Action: INC-1-A9' names an action that does not exist"
    ]
    assert check_trailers("fix: a\n\nCloses-Action: INC-1-A1\n\nMore prose.\n", known) == [
        "'Closes-Action: INC-1-A1' is not in the message's last paragraph, so git does not "
        "read it: put the trailers together at the end, after a blank line"
    ]
    assert check_trailers("fix: a\n\nCloses action: INC-1-A1\n", known) == [
        "'Closes action: INC-1-A1': write 'Closes-Action: <id>' or 'Refs-Action: <id>'"
    ]
    assert check_trailers("fix: a\n\n# Closes-Action: NOPE\n", known) == []


WIRED_CONF = """\
extensions = ["sphinx_postmortem"]
postmortem_today = "2024-05-01"
"""
PAGE = """\
INC-2024-007: Disk full
=======================

.. incident:: INC-2024-007
   :date: 2024-03-14
   :severity: SEV2

.. action:: Alert at 80%
   :owner: storage-team
   :due: 2024-06-01

.. action:: Rotate logs
   :owner: platform
   :due: 2024-06-01
"""


def test_the_export_lists_each_actions_commits(build: Builder, repo: Path) -> None:
    write_project(repo, {"doc.rst": PAGE}, WIRED_CONF)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs: add INC-2024-007")
    sha = commit(repo, "fix: alert\n\nCloses-Action: INC-2024-007-A1\nRefs-Action: INC-2024-007-A2")
    conf = {"postmortem_commit_url": "https://git.example.com/kb/commit/{}"}
    data = build(None, srcdir=repo, confoverrides=conf).export()
    (incident,) = data["incidents"]
    first, second = incident["actions"]
    assert data["version"] == 3
    assert first["commits"] == [
        {
            "sha": sha,
            "short": sha[:7],
            "date": "2024-04-20",
            "subject": "fix: alert",
            "kind": "closes",
            "url": f"https://git.example.com/kb/commit/{sha}",
        }
    ]
    assert [c["kind"] for c in second["commits"]] == ["refs"]


def test_changed_actions_are_those_whose_commits_differ() -> None:
    one = CommitRef("a" * 40, "aaaaaaa", dt.date(2024, 4, 20), "fix: a", "closes")
    two = CommitRef("b" * 40, "bbbbbbb", dt.date(2024, 4, 21), "fix: b", "refs")
    old = History("a" * 40, {"A1": (one,), "A2": (one,)})
    new = History("b" * 40, {"A1": (two, one), "A2": (one,), "A3": (two,)})
    assert changed_actions(old, new) == {"A1", "A3"}
    assert changed_actions(None, old) == {"A1", "A2"}
    assert changed_actions(old, old) == set()
