"""The benchmark's flavours build clean and say the same thing, at a tiny size.

Only that: no timings here (the machines are shared and noisy). A flavour that
warned, or whose tables lost an action, would make ``make bench`` measure
something other than what benchmarks/README.md says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from generate import FLAVOURS, ROOT, generate, kind_of  # noqa: E402

COUNT = 3
#: actions with status open or in-progress among the first COUNT incidents
OPEN = {"INC-2024-0001-A4", "INC-2024-0001-A5"} | {
    "INC-2024-0002-A3",
    "INC-2024-0002-A4",
    "INC-2024-0003-A2",
    "INC-2024-0003-A3",
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(COUNT, tmp_path_factory.mktemp("bench"))


def sphinx_build(source: Path, out: Path, builder: str) -> str:
    """A build as run.py starts it; its warnings."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", builder, str(source), str(out)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def open_actions(index_html: str) -> set[str]:
    """The action ids shown on the index, in the spelling of ours."""
    found = re.findall(r">(INC[-_]2024[-_]\d{4}[-_]A\d)<", index_html)
    return {name.replace("_", "-") for name in found}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_flavour_builds_without_warnings(
    flavour: str, projects: dict[str, Path], tmp_path: Path
) -> None:
    if kind_of(flavour) == "needs":
        pytest.importorskip("sphinx_needs", reason="pip install -e '.[bench]'")
    assert sphinx_build(projects[flavour], tmp_path / "out", "dummy") == ""


@pytest.mark.parametrize("flavour", ["ours", "ours-myst", "needs", "needs-myst"])
def test_the_index_lists_the_open_actions_in_both_syntaxes(
    flavour: str, projects: dict[str, Path], tmp_path: Path
) -> None:
    if kind_of(flavour) == "needs":
        pytest.importorskip("sphinx_needs", reason="pip install -e '.[bench]'")
    assert sphinx_build(projects[flavour], tmp_path / "out", "html") == ""
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert open_actions(index) == OPEN
    page = (tmp_path / "out" / "incidents" / "inc00001.html").read_text(encoding="utf-8")
    assert ":::" not in page  # every MyST fence was read as a directive
    assert "Event 14 of the incident" in page
