"""Actions followed to done, end to end: commits in a real repository, a build, what a reader sees.

A throwaway git repository holds a small knowledge base in reST and MyST, and
commits whose trailers close an action that is done, close one still open,
refer to one, and name one that does not exist. It is built serially, in
parallel and again after a new commit; then without git, and outside a
repository. The feeds of an HTML build are read back field by field.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import Builder, Built, git, plain, write_project
from icalendar import Calendar

CONF = """\
extensions = ["sphinx_postmortem", "myst_parser"]
myst_enable_extensions = ["colon_fence"]
project = "Follow"
postmortem_today = "2024-05-01"
postmortem_review = False
postmortem_commit_url = "https://git.example.com/kb/commit/{}"
html_baseurl = "https://kb.example.com/"
show_warning_types = True
"""
DISK = """\
INC-2024-007: Disk full
=======================

.. incident:: INC-2024-007
   :date: 2024-03-14
   :severity: SEV2

.. action:: Alert when disk usage passes 80%
   :owner: storage-team
   :due: 2024-04-30
   :status: done
   :completed: 2024-04-20

.. action:: Rotate old logs
   :owner: platform
   :due: 2024-06-01
   :status: in-progress
"""
QUEUE = """\
# INC-2024-008: Queue stalled

:::{incident} INC-2024-008
:date: 2024-03-15
:severity: SEV3
:::

:::{action} Drain the queue in batches
:owner: storage-team
:due: 2024-06-30
:::
"""
OTHER = """\
Notes
=====

Nothing here depends on commits.
"""
#: enough documents that Sphinx 7.4 reads them in parallel when asked (more than five)
FILES = {
    "2024/disk.rst": DISK,
    "2024/queue.md": QUEUE,
    **{f"notes/{n}.rst": OTHER for n in ("a", "b", "c")},
}
NOTES = ["notes/a", "notes/b", "notes/c"]
#: the line of ``.. action:: Rotate old logs`` in DISK
ROTATE_LINE = DISK.splitlines().index(".. action:: Rotate old logs") + 1


def commit(repo: Path, message: str, date: str) -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(autouse=True)
def no_repository_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Git looks no higher than the test's folder, whatever holds the temporary folders."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@pytest.fixture
def repo(tmp_path: Path) -> dict[str, str]:
    """The knowledge base in a repository; the commits by name."""
    root = tmp_path / "kb"
    write_project(root, FILES, CONF)
    git(root, "init", "-q")
    git(root, "add", "-A")
    shas = {"add": commit(root, "docs(incidents): add two post-mortems", "2024-04-01T09:00:00Z")}
    shas["closes-done"] = commit(
        root,
        "fix(disk): alert at 80%\n\nPages storage.\n\nCloses-Action: INC-2024-007-A1",
        "2024-04-19T23:30:00-05:00",  # the 20th in UTC: the date shown is the committer's own
    )
    shas["closes-open"] = commit(
        root, "fix(logs): rotate daily\n\nCloses-Action: INC-2024-007-A2", "2024-04-25T12:00:00Z"
    )
    shas["refs"] = commit(
        root, "docs: sketch batch draining\n\nRefs-Action: INC-2024-008-A1", "2024-04-26T12:00:00Z"
    )
    shas["unknown"] = commit(
        root, "chore: tidy\n\nRefs-Action: INC-2024-007-A9", "2024-04-27T12:00:00Z"
    )
    return shas


def kb(tmp_path: Path) -> Path:
    return tmp_path / "kb"


def commit_line(html: str, action_id: str) -> str:
    """The text of the commit line in one action's box (tags removed)."""
    box = html[html.index(f'id="{action_id}"') :]
    box = box[: box.index("</div>")]
    match = re.search(r'<p class="pm-meta pm-commits">(.*?)</p>', box, re.DOTALL)
    return re.sub(r"<[^>]+>", "", match[1]) if match else ""


def commit_links(html: str) -> list[str]:
    return re.findall(r'href="(https://git\.example\.com/kb/commit/[0-9a-f]+)"', html)


def expected_warnings(shas: dict[str, str]) -> list[str]:
    closes, unknown = shas["closes-open"][:7], shas["unknown"][:7]
    return [
        f"WARNING: commit {unknown} ('chore: tidy') names action 'INC-2024-007-A9', "
        "which does not exist [postmortem.commit]",
        f"2024/disk.rst:{ROTATE_LINE}: WARNING: action 'INC-2024-007-A2' was closed by "
        f"commit {closes} ('fix(logs): rotate daily', 2024-04-25) but is still in-progress: "
        "write ':status: done' and ':completed: 2024-04-25' "
        "(sphinx-postmortem close INC-2024-007-A2 --date 2024-04-25) [postmortem.commit]",
    ]


def commits_in_export(built: Built) -> dict[str, list[tuple[str, str, str, str]]]:
    return {
        action["id"]: [(c["short"], c["date"], c["kind"], c["url"]) for c in action["commits"]]
        for incident in built.export()["incidents"]
        for action in incident["actions"]
    }


def url(sha: str) -> str:
    return f"https://git.example.com/kb/commit/{sha}"


@pytest.mark.parametrize("parallel", [0, 2])
def test_each_action_shows_its_commits_and_the_build_warns_about_the_rest(
    build: Builder, tmp_path: Path, repo: dict[str, str], merged: list[str], parallel: int
) -> None:
    built = build(None, srcdir=kb(tmp_path), parallel=parallel)
    assert ("2024/disk" in merged) == bool(parallel)  # read by a worker when parallel
    assert sorted(built.warnings) == sorted(expected_warnings(repo))

    disk, queue = built.html("2024/disk"), built.html("2024/queue")
    done, still_open, refs = repo["closes-done"], repo["closes-open"], repo["refs"]
    assert commit_line(disk, "INC-2024-007-A1") == (
        f"Commits: {done[:7]} 2024-04-19 fix(disk): alert at 80% (closes)"
    )
    assert commit_line(disk, "INC-2024-007-A2") == (
        f"Commits: {still_open[:7]} 2024-04-25 fix(logs): rotate daily (closes)"
    )
    assert commit_links(disk) == [url(done), url(still_open)]
    assert commit_line(queue, "INC-2024-008-A1") == (
        f"Commits: {refs[:7]} 2024-04-26 docs: sketch batch draining (refers to it)"
    )
    assert commit_links(queue) == [url(refs)]
    assert "pm-commits" not in built.html("notes/a")

    assert commits_in_export(built) == {
        "INC-2024-007-A1": [(done[:7], "2024-04-19", "closes", url(done))],
        "INC-2024-007-A2": [(still_open[:7], "2024-04-25", "closes", url(still_open))],
        "INC-2024-008-A1": [(refs[:7], "2024-04-26", "refs", url(refs))],
    }


def status_lines(built: Built, prefix: str) -> list[str]:
    """The documents named on the status output's ``prefix`` lines (``reading sources...``)."""
    text = plain(built.app.status.getvalue())
    return sorted(
        line.rsplit(" ", 1)[-1]
        for line in text.splitlines()
        if line.startswith(prefix) and "]" in line
    )


def test_a_new_commit_rewrites_only_the_pages_of_its_actions(
    build: Builder, tmp_path: Path, repo: dict[str, str]
) -> None:
    root = kb(tmp_path)
    first = build(None, srcdir=root)
    assert status_lines(first, "reading sources") == ["2024/disk", "2024/queue", "index", *NOTES]
    disk_before = first.html("2024/disk")
    newer = commit(
        root,
        "fix(queue): drain in batches of 500\n\nRefs-Action: INC-2024-008-A1",
        "2024-04-28T08:00:00Z",
    )

    again = build(None, srcdir=root)
    assert status_lines(again, "reading sources") == []  # no document is read again
    written = status_lines(again, "writing output")
    assert "2024/queue" in written
    assert not {"2024/disk", *NOTES} & set(written)
    assert again.warnings == first.warnings  # the same problems, still there
    queue = again.html("2024/queue")
    assert commit_line(queue, "INC-2024-008-A1") == (
        f"Commits: {newer[:7]} 2024-04-28 fix(queue): drain in batches of 500 (refers to it)"
        f" · {repo['refs'][:7]} 2024-04-26 docs: sketch batch draining (refers to it)"
    )
    assert commit_links(queue) == [url(newer), url(repo["refs"])]
    assert again.html("2024/disk") == disk_before
    assert [c[0] for c in commits_in_export(again)["INC-2024-008-A1"]] == [
        newer[:7],
        repo["refs"][:7],
    ]

    plain = commit(root, "chore: nothing about actions", "2024-04-29T08:00:00Z")
    assert plain
    third = build(None, srcdir=root)
    assert not {"2024/queue", "2024/disk", *NOTES} & set(status_lines(third, "writing output"))


def test_the_history_moving_back_rewrites_the_page_too(
    build: Builder, tmp_path: Path, repo: dict[str, str]
) -> None:
    root = kb(tmp_path)
    build(None, srcdir=root)
    git(root, "reset", "-q", "--hard", repo["closes-open"])  # the refs commit is gone

    again = build(None, srcdir=root)
    written = status_lines(again, "writing output")
    assert "2024/queue" in written and "2024/disk" not in written
    assert "pm-commits" not in again.html("2024/queue")
    assert commits_in_export(again)["INC-2024-008-A1"] == []


def test_postmortem_git_false_reads_no_commits(
    build: Builder, tmp_path: Path, repo: dict[str, str]
) -> None:
    built = build(None, srcdir=kb(tmp_path), confoverrides={"postmortem_git": False})
    assert built.warnings == []
    assert "pm-commits" not in built.html("2024/disk")
    assert "pm-commits" not in built.html("2024/queue")
    assert all(commits == [] for commits in commits_in_export(built).values())
    assert "no git history" not in built.app.status.getvalue()


def test_outside_a_repository_one_info_line_and_no_warning(build: Builder, tmp_path: Path) -> None:
    built = build(FILES, srcdir=tmp_path / "plain", conf=CONF)
    assert built.warnings == []
    assert [line for line in built.app.status.getvalue().splitlines() if "git history" in line] == [
        "sphinx-postmortem: no git history here (not a repository, or no git): "
        "actions show no commits"
    ]
    assert "pm-commits" not in built.html("2024/disk")


# -- the feeds of an HTML build --------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = [
    "postmortem-actions.ics",
    "postmortem-actions-platform.ics",
    "postmortem-actions-storage-team.ics",
    "postmortem.atom",
]


def feed_bytes(built: Built) -> dict[str, bytes]:
    return {name: (built.outdir / name).read_bytes() for name in FEEDS}


def test_feeds_are_the_same_bytes_twice_and_say_what_the_records_say(
    build: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714550400")  # 2024-05-01T08:00:00Z
    first = build(FILES, srcdir=tmp_path / "one", conf=CONF)
    second = build(FILES, srcdir=tmp_path / "two", conf=CONF)
    written = [*first.outdir.glob("*.ics"), *first.outdir.glob("*.atom")]
    assert sorted(p.name for p in written) == sorted(FEEDS)
    assert feed_bytes(first) == feed_bytes(second)

    export = first.export()
    open_actions = {
        a["id"]: a
        for incident in export["incidents"]
        for a in incident["actions"]
        if a["status"] != "done"
    }
    calendar = Calendar.from_ical(feed_bytes(first)["postmortem-actions.ics"])
    todos = {str(t["uid"]).split("@")[0]: t for t in calendar.walk("VTODO")}
    assert sorted(todos) == sorted(open_actions)
    stamp = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    for action_id, todo in todos.items():
        action = open_actions[action_id]
        assert str(todo["uid"]) == f"{action_id}@kb.example.com"
        assert str(todo["summary"]) == f"{action['title']} ({action_id})"
        assert todo["due"].dt.isoformat() == action["due"]
        assert (
            str(todo["status"])
            == {"open": "NEEDS-ACTION", "in-progress": "IN-PROCESS"}[action["status"]]
        )
        assert [str(c) for c in todo["categories"].cats] == [action["owner"]]
        assert str(todo["url"]) == urljoin("https://kb.example.com/", action["url"])
        assert todo["dtstamp"].dt == stamp
    # pages in a folder keep it, and the anchor is the one on the page
    page, _, anchor = str(todos["INC-2024-008-A1"]["url"]).partition("#")
    assert page == "https://kb.example.com/2024/queue.html"
    assert f'id="{anchor}"' in first.html("2024/queue")

    for owner in ("platform", "storage-team"):
        mine = Calendar.from_ical(feed_bytes(first)[f"postmortem-actions-{owner}.ics"])
        assert sorted(str(t["uid"]).split("@")[0] for t in mine.walk("VTODO")) == sorted(
            i for i, a in open_actions.items() if a["owner"] == owner
        )

    feed = ET.fromstring(feed_bytes(first)["postmortem.atom"])
    assert feed.findtext(f"{ATOM}title") == "Follow"
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    incidents = {i["title"]: i for i in export["incidents"]}
    assert sorted(entries) == sorted(incidents)
    for title, entry in entries.items():
        incident = incidents[title]
        link = entry.find(f"{ATOM}link")
        assert link is not None
        page = incident["url"].partition("#")[0]
        assert link.get("href") == urljoin("https://kb.example.com/", page)
        assert entry.findtext(f"{ATOM}published") == f"{incident['date']}T00:00:00+00:00"
        assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == [incident["severity"]]
        open_count = sum(1 for a in incident["actions"] if a["status"] != "done")
        assert entry.findtext(f"{ATOM}summary", "").endswith(
            f"{open_count} of {len(incident['actions'])} actions open."
        )
    assert list(entries) == ["INC-2024-007: Disk full", "INC-2024-008: Queue stalled"]
    # updated: the incident's date, or the latest completed action after it
    assert entries["INC-2024-007: Disk full"].findtext(f"{ATOM}updated") == (
        "2024-04-20T00:00:00+00:00"
    )
    assert entries["INC-2024-008: Queue stalled"].findtext(f"{ATOM}updated") == (
        "2024-03-15T00:00:00+00:00"
    )


def test_every_page_links_the_feed_from_its_head(build: Builder, tmp_path: Path) -> None:
    built = build(FILES, srcdir=tmp_path / "src", conf=CONF)
    pages = sorted(built.outdir.rglob("*.html"))
    assert len(pages) >= 5  # index, genindex, search, notes, the two post-mortems
    for page in pages:
        html = page.read_text(encoding="utf-8")
        head = html[: html.index("</head>")]
        found = re.findall(
            r'<link rel="alternate" type="application/atom\+xml" title="Post-mortems" '
            r'href="([^"]+)">',
            head,
        )
        assert len(found) == 1, page
        assert (page.parent / found[0]).resolve() == built.outdir / "postmortem.atom", page


def test_no_feeds_when_turned_off(build: Builder, tmp_path: Path) -> None:
    built = build(FILES, srcdir=tmp_path / "src", conf=CONF + "postmortem_feeds = False\n")
    assert not any(built.outdir.glob("postmortem*.ics"))
    assert not (built.outdir / "postmortem.atom").exists()
    assert "application/atom+xml" not in built.html("index")


def test_an_incremental_build_writes_the_same_feeds_as_a_fresh_one(
    build: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The to-dos of the last build are kept and reused; what changed is made again."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714550400")
    root = tmp_path / "kb"
    first = build(FILES, srcdir=root, conf=CONF)
    before = feed_bytes(first)
    assert b"Rotate old logs" in before["postmortem-actions-platform.ics"]

    disk = root / "2024" / "disk.rst"
    disk.write_text(
        DISK.replace(":status: in-progress", ":status: done\n   :completed: 2024-04-28").replace(
            "Rotate old logs", "Rotate old logs daily"
        ),
        encoding="utf-8",
    )
    again = build(None, srcdir=root)
    fresh = build(
        {
            "2024/disk.rst": disk.read_text(encoding="utf-8"),
            **{k: v for k, v in FILES.items() if k != "2024/disk.rst"},
        },
        srcdir=tmp_path / "fresh",
        conf=CONF,
    )
    names = sorted(p.name for p in fresh.outdir.glob("postmortem*.ics"))
    assert names == ["postmortem-actions-storage-team.ics", "postmortem-actions.ics"]
    # platform has no open action left: its calendar is gone, as in a fresh build
    assert not (again.outdir / "postmortem-actions-platform.ics").exists()
    for name in [*names, "postmortem.atom"]:
        assert (again.outdir / name).read_bytes() == (fresh.outdir / name).read_bytes(), name
    assert b"Rotate old logs" not in (again.outdir / "postmortem-actions.ics").read_bytes()

    # a damaged cache is ignored: the feeds are made again, the same
    (Path(again.app.doctreedir) / "postmortem-todos.pickle").write_bytes(b"not a pickle")
    disk.write_text(disk.read_text(encoding="utf-8") + "\nMore notes.\n", encoding="utf-8")
    third = build(None, srcdir=root)
    assert third.warnings == again.warnings
    for name in names:
        assert (third.outdir / name).read_bytes() == (fresh.outdir / name).read_bytes(), name
