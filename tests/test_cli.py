"""sphinx-postmortem new: the next post-mortem, from flags, make, or a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import Builder
from test_knowledge_base import ROOT, TODAY, build_kb, copy_kb

from sphinx_postmortem.config import REQUIRED_SECTIONS

COMMAND = [sys.executable, "-m", "sphinx_postmortem", "new"]
#: the command imports this checkout's package, wherever it runs
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(kb: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "--kb", str(kb), *flags],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=kb.parent,
        env=ENV,
    )


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return copy_kb(tmp_path)


def test_new_incident_from_flags_builds_and_shows_in_the_index(kb: Path, build: Builder) -> None:
    result = run(
        kb,
        "--title",
        "Checkout errors",
        "--severity",
        "sev2",
        "--date",
        "2026-11-28",
        "--services",
        "checkout, payments-db",
    )
    assert result.returncode == 0, result.stderr
    path = kb / "2026/INC-2026-001-checkout-errors.md"
    assert path.is_file()
    assert result.stdout.splitlines()[0] == (
        "Created incidents/2026/INC-2026-001-checkout-errors.md (INC-2026-001, status draft)."
    )
    assert "make serve" in result.stdout
    assert 'git commit -m "docs(incidents): add INC-2026-001 post-mortem"' in result.stdout
    text = path.read_text()
    assert text.startswith("# INC-2026-001: Checkout errors\n\n:::{incident} INC-2026-001\n")
    assert ":severity: SEV2\n:status: draft\n:services: checkout, payments-db\n" in text
    for section in REQUIRED_SECTIONS:  # the template passes the review of a final one
        assert f"\n## {section}\n" in text

    built = build_kb(build, kb)
    assert built.warnings == []
    index = built.html("index")
    assert 'href="2026/INC-2026-001-checkout-errors.html#INC-2026-001"' in index  # incident table
    assert 'href="2026/INC-2026-001-checkout-errors.html"' in index  # navigation, no toctree edit
    draft = built.export()["incidents"]
    assert [i["status"] for i in draft if i["id"] == "INC-2026-001"] == ["draft"]


def test_rest_template_builds_too(kb: Path, build: Builder) -> None:
    result = run(
        kb,
        "--title",
        "Ünïcode: a title / with signs?",
        "--severity",
        "SEV4",
        "--date",
        "2026-01-05",
        "--format",
        "rst",
    )
    assert result.returncode == 0, result.stderr
    (path,) = (kb / "2026").glob("*.rst")
    assert path.name == "INC-2026-001-unicode-a-title-with-signs.rst"
    assert build_kb(build, kb).warnings == []


def test_ids_count_up_per_year_and_never_overwrite(kb: Path) -> None:
    for _ in range(2):
        assert (
            run(
                kb, "--title", "Same title", "--severity", "SEV3", "--date", "2026-02-01"
            ).returncode
            == 0
        )
    assert (
        run(kb, "--title", "Same title", "--severity", "SEV3", "--date", "2025-02-01").returncode
        == 0
    )
    assert sorted(p.name for p in (kb / "2026").iterdir()) == [
        "INC-2026-001-same-title.md",
        "INC-2026-002-same-title.md",
    ]
    assert [p.name for p in (kb / "2025").iterdir()] == ["INC-2025-001-same-title.md"]
    # the existing examples count: 2019 has INC-2019-001
    assert run(kb, "--title", "x", "--severity", "SEV3", "--date", "2019-05-01").returncode == 0
    assert (kb / "2019/INC-2019-002-x.md").is_file()


def test_runs_at_the_same_moment_get_different_ids(kb: Path) -> None:
    def one(n: int) -> subprocess.CompletedProcess[str]:
        return run(kb, "--title", f"Parallel {n}", "--severity", "SEV3", "--date", "2026-03-01")

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(6)))
    assert [r.returncode for r in results] == [0] * 6
    ids = sorted(p.name[:12] for p in (kb / "2026").iterdir())
    assert ids == [f"INC-2026-{n:03d}" for n in range(1, 7)]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--severity", "SEV2"], "give --title"),
        ([], "give --title and --severity"),
        (
            ["--title", "x", "--severity", "SEV7"],
            "'SEV7' is not a severity; choose one of SEV1, SEV2, SEV3, SEV4",
        ),
        (
            ["--title", "x", "--severity", "SEV1", "--date", "28.11.2026"],
            "'28.11.2026' is not a date",
        ),
        (["--title", "x", "--severity", "SEV1", "--format", "docx"], "'docx' is not a format"),
        (["--title", "   ", "--severity", "SEV1"], "the title is empty"),
    ],
)
def test_bad_or_missing_values_write_nothing(kb: Path, flags: list[str], message: str) -> None:
    before = sorted(kb.rglob("*"))
    result = run(kb, *flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert sorted(kb.rglob("*")) == before


class Terminal:
    """The command in a pseudo-terminal, answered as a person would."""

    def __init__(self, kb: Path, command: list[str] | None = None) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command or [*COMMAND, "--kb", str(kb)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=kb.parent,
            env=ENV,
        )
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            ready, _, _ = select.select([self.master], [], [], max(0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen}")
            try:
                self.screen += os.read(self.master, 4096).decode()
            except OSError:  # the program ended
                raise AssertionError(f"{text!r} never appeared:\n{self.screen}") from None

    def answer(self, prompt: str, reply: str) -> None:
        self.expect(prompt)
        os.write(self.master, reply.encode() + b"\r")


def test_interactive_in_a_terminal_asks_again_on_bad_answers(kb: Path, build: Builder) -> None:
    term = Terminal(kb)
    term.answer("Title: ", "")
    term.expect("the title is empty")
    term.answer("Title: ", "Search index corrupted")
    term.answer("Severity (SEV1/SEV2/SEV3/SEV4): ", "SEV9")
    term.expect("'SEV9' is not a severity")
    term.answer("Severity (SEV1/SEV2/SEV3/SEV4): ", "sev3")
    term.answer("Date [", "yesterday")
    term.expect("is not a date")
    term.answer("Date [", "2026-11-27")
    term.answer("Affected services, comma-separated: ", "search, api")
    term.answer("Format (md or rst) [md]: ", "")
    term.expect("git commit -m")
    assert term.process.wait(timeout=20) == 0
    path = kb / "2026/INC-2026-001-search-index-corrupted.md"
    assert ":severity: SEV3\n:status: draft\n:services: search, api\n" in path.read_text()
    assert build_kb(build, kb).warnings == []


def check(kb: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx_postmortem", "check", str(kb)],
        capture_output=True,
        text=True,
        cwd=kb.parent,
        env=ENV,
    )


def test_check_passes_the_knowledge_base(kb: Path) -> None:
    result = check(kb)
    assert result.returncode == 0, result.stdout
    assert "INC-2019-001 (final)" in result.stdout
    assert "  pass  blameless language\n" in result.stdout
    assert result.stdout.endswith("0 problem(s); 4 of 4 post-mortem(s) pass every check.\n")


def test_check_reports_what_to_fix_with_file_and_line(kb: Path) -> None:
    (path,) = (kb / "2018").glob("*.rst")
    text = path.read_text()
    path.write_text(
        text.replace(
            "Restores from backups start.",
            "Restores start because the operator carelessly skipped a step.",
        )
    )
    line = 1 + path.read_text()[: path.read_text().index("carelessly")].count("\n")
    result = check(kb)
    assert result.returncode == 1
    relative = path.relative_to(kb.parent)
    assert (
        "  FIX   blameless language\n"
        f"          {relative}:{line}: blame language (judgement): 'carelessly'; "
        "describe the conditions that made the action reasonable, not the person\n"
    ) in result.stdout
    assert result.stdout.endswith("1 problem(s); 3 of 4 post-mortem(s) pass every check.\n")


def test_a_relative_knowledge_base_path(kb: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "--kb", kb.name, "--title", "Relative", "--severity", "SEV4", "--date", TODAY],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=kb.parent,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    assert (kb / "2026/INC-2026-001-relative.md").is_file()


# -- hostile input: make variables, markup, line breaks, ids ------------------------

HOSTILE_TITLES = [
    "$(shell touch pwned)",
    "Costs $5 overrun; $HOME broken",
    'It\'s "quoted" and `ticked` $$x',
    "--help",
]


def test_make_passes_every_value_exactly_as_typed(kb: Path, build: Builder) -> None:
    venv = Path(sys.prefix)  # the environment running the tests stands in for .venv
    make = ["make", "-s", "-C", str(ROOT), "-o", str(venv / ".installed-dev"), f"VENV={venv}"]

    def new_incident(*values: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*make, "new-incident", f"KB={kb}", *values],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=ENV,
        )

    for n, title in enumerate(HOSTILE_TITLES, 1):
        values = [f"TITLE={title}", f"DATE=2026-0{n}-01", "SERVICES=$HOME, a;b"]
        values.append("FORMAT=rst" if n % 2 else "FORMAT=md")
        refused = new_incident(*values, "SEVERITY=--sev2")
        assert "'--sev2' is not a severity" in refused.stderr  # a value, not an option
        result = new_incident(*values, "SEVERITY=SEV2")
        assert result.returncode == 0, result.stderr
    assert not (ROOT / "pwned").exists() and not list(kb.parent.rglob("pwned"))
    # the titles as typed, without Sphinx's typographic quotes and dashes
    built = build(srcdir=kb, confoverrides={"postmortem_today": TODAY, "smartquotes": False})
    assert built.warnings == []
    exported = {i["id"]: i for i in built.export()["incidents"]}
    assert [exported[f"INC-2026-00{n}"]["title"] for n in (1, 2, 3, 4)] == [
        f"INC-2026-00{n}: {title}" for n, title in enumerate(HOSTILE_TITLES, 1)
    ]
    assert exported["INC-2026-001"]["services"] == ["$HOME", "a;b"]


def test_titles_are_text_in_either_syntax(kb: Path, build: Builder) -> None:
    titles = {
        "rst": "Costs *up* `now` |sub| _x_ and a \\ backslash",
        "md": "<g> *bold* [link](x) {sub}`y` & &amp; # #",
    }
    for fmt, title in titles.items():
        flags = ["--title", title, "--severity", "SEV3", "--format", fmt]
        result = run(kb, *flags, "--date", "2026-04-01")
        assert result.returncode == 0, result.stderr
    built = build_kb(build, kb)
    assert built.warnings == []
    exported = {i["id"]: i["title"] for i in built.export()["incidents"]}
    assert exported["INC-2026-001"] == f"INC-2026-001: {titles['rst']}"
    assert exported["INC-2026-002"] == f"INC-2026-002: {titles['md']}"
    page = built.html("2026/INC-2026-002-g-bold-link-x-sub-y-amp")
    assert "<h1>INC-2026-002: &lt;g&gt; *bold* [link](x) {sub}`y` &amp; &amp;amp; # #" in page


@pytest.mark.parametrize(
    "flags",
    [
        ["--title", "x", "--services", "a, b\n:severity: SEV1"],
        ["--title", "one\ntwo"],
        ["--title", "x\r:status: final"],
    ],
)
def test_a_line_break_is_refused(kb: Path, flags: list[str]) -> None:
    before = sorted(kb.rglob("*"))
    result = run(kb, *flags, "--severity", "SEV2")
    assert result.returncode == 2
    assert "holds a line break; write it on one line" in result.stderr
    assert sorted(kb.rglob("*")) == before


@pytest.mark.parametrize("title", ["Сбой оплаты", "🔥🔥🔥", "!!! ???", "支付失败"])
def test_a_title_without_latin_letters_gives_a_dated_file_name(kb: Path, title: str) -> None:
    result = run(kb, "--title", title, "--severity", "SEV2", "--date", "2026-11-28")
    assert result.returncode == 0, result.stderr
    path = kb / "2026/INC-2026-001-2026-11-28.md"
    assert path.read_text().startswith(f"# INC-2026-001: {title}\n")


def test_an_old_date_is_in_the_index(kb: Path, build: Builder) -> None:
    assert run(kb, "--title", "Y2K", "--severity", "SEV1", "--date", "1999-12-31").returncode == 0
    built = build_kb(build, kb)
    assert built.warnings == []
    assert 'href="1999/INC-1999-001-y2k.html"' in built.html("index")  # the navigation


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("outage-notes.md", "# Notes\n\n```{incident} INC-2027-007\n:date: 2027-01-01\n```\n"),
        ("outage-notes.md", "# Notes\n\n:::{incident} INC-2027-007\n:date: 2027-01-01\n:::\n"),
        ("old/notes.rst", "Notes\n=====\n\n.. incident:: INC-2027-007\n   :date: 2027-01-01\n"),
    ],
)
def test_ids_in_use_are_read_from_the_directives(kb: Path, name: str, text: str) -> None:
    (kb / name).parent.mkdir(exist_ok=True)
    (kb / name).write_text(text)
    result = run(kb, "--title", "Next", "--severity", "SEV2", "--date", "2027-03-01")
    assert result.returncode == 0, result.stderr
    assert (kb / "2027/INC-2027-008-next.md").is_file()


def test_the_id_follows_the_configured_pattern(kb: Path, build: Builder) -> None:
    conf = kb / "conf.py"
    text = conf.read_text() + 'postmortem_id_pattern = r"PM\\d{4}-\\d{3}"\n'
    conf.write_text(text + "if tags.has('internal'):\n    html_title = 'Internal'\n")
    for _ in range(2):
        result = run(kb, "--title", "Queue", "--severity", "SEV2", "--date", "2026-05-01")
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (kb / "2026").iterdir()) == [
        "PM2026-001-queue.md",
        "PM2026-002-queue.md",
    ]
    built = build_kb(build, kb)
    assert [w for w in built.warnings if "PM2026" in w] == []


def test_no_claim_or_lock_file_is_left_behind(kb: Path) -> None:
    def one(n: int) -> subprocess.CompletedProcess[str]:
        return run(kb, "--title", f"Run {n}", "--severity", "SEV3", "--date", "2026-03-01")

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert [r.returncode for r in pool.map(one, range(4))] == [0] * 4
    assert [p.name for p in kb.rglob(".*")] == []
    assert len({p.name[:12] for p in (kb / "2026").iterdir()}) == 4


def failing_check(kb: Path) -> str:
    result = check(kb)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    return result.stderr


def test_check_a_syntax_error_in_conf_py_is_one_line(kb: Path) -> None:
    (kb / "conf.py").write_text("project = 'x'\nextensions = [\n")
    assert failing_check(kb).startswith(f"sphinx-postmortem: {kb / 'conf.py'}:")
    assert "syntax error in the configuration" in failing_check(kb)


def test_check_a_runtime_error_in_conf_py_is_one_line(kb: Path) -> None:
    (kb / "conf.py").write_text("project = 'x'\nimport no_such_module_here\n")
    message = failing_check(kb)
    assert f"{kb / 'conf.py'}:2: ModuleNotFoundError in the configuration" in message


def test_check_a_project_without_the_extension_is_one_line(kb: Path) -> None:
    (kb / "conf.py").write_text("extensions = ['myst_parser']\n")
    assert 'does not load the extension: add "sphinx_postmortem"' in failing_check(kb)


def test_check_an_extension_that_cannot_load_is_one_line(kb: Path) -> None:
    (kb / "conf.py").write_text("extensions = ['sphinx_postmortem', 'no_such_extension']\n")
    assert "no_such_extension" in failing_check(kb)


def test_check_shows_a_multi_line_message_whole(kb: Path) -> None:
    (page,) = (kb / "2018").glob("*.rst")
    text = page.read_text()
    page.write_text(text + "\n.. action:: Twice owned\n   :owner: a\n   :owner: b\n")
    result = check(kb)
    assert result.returncode == 1
    line = text.count("\n") + 2
    relative = page.relative_to(kb.parent)
    assert (
        f'  FIX   {relative}:{line}: Error in "action" directive:\n'
        '          invalid option data: duplicate option "owner".\n'
        "\n"
        "          .. action:: Twice owned\n"
        "             :owner: a\n"
        "             :owner: b\n"
    ) in result.stdout, result.stdout
