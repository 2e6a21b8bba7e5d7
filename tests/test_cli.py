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


def run(kb: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "--kb", str(kb), *flags],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=kb.parent,
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
    assert text.startswith("# INC-2026-001: Checkout errors\n\n```{incident} INC-2026-001\n")
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


def test_make_variables(kb: Path) -> None:
    if not (ROOT / ".venv/.installed-dev").exists():
        pytest.skip("make new-incident runs from the project's .venv")
    result = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ROOT),
            "new-incident",
            f"KB={kb}",
            'TITLE=It\'s "quoted"',
            "SEVERITY=SEV2",
            "FORMAT=rst",
            f"DATE={TODAY}",
            "SERVICES=api, web",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    (path,) = (kb / "2026").glob("*.rst")
    assert path.name == "INC-2026-001-it-s-quoted.rst"
    assert 'INC-2026-001: It\'s "quoted"' in path.read_text()
    assert "   :services: api, web\n" in path.read_text()


class Terminal:
    """The command in a pseudo-terminal, answered as a person would."""

    def __init__(self, kb: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [*COMMAND, "--kb", str(kb)], stdin=slave, stdout=slave, stderr=slave, cwd=kb.parent
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
    path.write_text(text.replace("Restores from backups start.", "Restores simply start."))
    line = 1 + path.read_text()[: path.read_text().index("simply")].count("\n")
    result = check(kb)
    assert result.returncode == 1
    relative = path.relative_to(kb.parent)
    assert (
        "  FIX   blameless language\n"
        f"          {relative}:{line}: blame language (minimiser): 'simply'; "
        "leave it out, or say what the step involves\n"
    ) in result.stdout
    assert result.stdout.endswith("1 problem(s); 3 of 4 post-mortem(s) pass every check.\n")


def test_a_relative_knowledge_base_path(kb: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "--kb", kb.name, "--title", "Relative", "--severity", "SEV4", "--date", TODAY],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=kb.parent,
    )
    assert result.returncode == 0, result.stderr
    assert (kb / "2026/INC-2026-001-relative.md").is_file()
