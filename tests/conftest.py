"""Build small projects the way a user would, and read what the user sees."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sphinx.testing.util import SphinxTestApp

from sphinx_postmortem.export import SCHEMA as SCHEMA_PATH

pytest_plugins = ("sphinx.testing.fixtures", "browser")

EXAMPLES = Path(__file__).parent / "examples"
CONF = """\
extensions = ["sphinx_postmortem", "myst_parser"]
postmortem_today = "2024-05-01"
show_warning_types = True  # the default from Sphinx 8 on
postmortem_review = False  # test_review.py turns the review on
"""
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
#: Sphinx colours its output, and redraws progress lines in place, when it
#: thinks a terminal is watching (``CI=true`` or ``FORCE_COLOR`` is enough)
_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text: str) -> str:
    """Console output as a reader sees it: no colours, one line per progress step."""
    return _ESCAPES.sub("", text).replace("\r", "\n")


@dataclass
class Built:
    app: SphinxTestApp

    @property
    def outdir(self) -> Path:
        return Path(self.app.outdir)

    @property
    def warnings(self) -> list[str]:
        """Warnings as ``docname.ext:line: WARNING: message [type.subtype]``."""
        text = plain(self.app.warning.getvalue())
        text = text.replace(str(self.app.srcdir) + "/", "")
        return [line for line in text.splitlines() if "WARNING" in line or "ERROR" in line]

    def html(self, docname: str) -> str:
        return (self.outdir / f"{docname}.html").read_text(encoding="utf-8")

    def text(self, docname: str) -> str:
        return (self.outdir / f"{docname}.txt").read_text(encoding="utf-8")

    def export(self) -> dict[str, Any]:
        """postmortem.json, checked against the schema the package ships."""
        data = json.loads((self.outdir / "postmortem.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, SCHEMA)
        return data


Builder = Callable[..., Built]


def write_project(srcdir: Path, files: dict[str, str], conf: str = CONF) -> None:
    files = {"conf.py": conf, **files}
    if "index.rst" not in files and "index.md" not in files:
        folders = sorted({Path(name).parent.as_posix() for name in files if name != "conf.py"})
        toctree = "\n".join("   *" if f == "." else f"   {f}/*" for f in folders)
        files["index.rst"] = f"Index\n=====\n\n.. toctree::\n   :glob:\n\n{toctree}\n"
    for name, content in files.items():
        path = srcdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


@pytest.fixture
def build(make_app: Callable[..., SphinxTestApp], tmp_path: Path) -> Builder:
    """Write ``files`` into a project (unless None: rebuild it) and build it."""

    def _build(
        files: dict[str, str] | None = None,
        buildername: str = "html",
        srcdir: Path | None = None,
        conf: str = CONF,
        **kwargs: Any,
    ) -> Built:
        srcdir = srcdir or tmp_path / "src"
        if files is not None:
            write_project(srcdir, files, conf)
        app = make_app(buildername, srcdir=srcdir, **kwargs)
        try:
            app.build()
        finally:
            # Forget docutils registrations, so a second build in one test
            # starts as clean as a new sphinx-build process.
            app.cleanup()
        return Built(app)

    return _build


@pytest.fixture
def merged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents whose data a parallel build merged from its workers."""
    from sphinx_postmortem.domain import PostmortemDomain

    names: list[str] = []
    original = PostmortemDomain.merge_domaindata

    def spy(self: PostmortemDomain, docnames: Any, otherdata: dict[str, Any]) -> None:
        names.extend(docnames)
        original(self, docnames, otherdata)

    monkeypatch.setattr(PostmortemDomain, "merge_domaindata", spy)
    return names


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value or "" for name, value in attrs if name == "id")


def ids_used_twice(outdir: Path) -> dict[str, list[str]]:
    """Page -> the ids that more than one element of it has, for every HTML page."""
    found = {}
    for page in sorted(outdir.rglob("*.html")):
        parser = _Ids()
        parser.feed(page.read_text(encoding="utf-8"))
        twice = sorted(i for i, n in parser.ids.items() if n > 1)
        if twice:
            found[page.relative_to(outdir).as_posix()] = twice
    return found


#: commits made by the tests: one author, no user or system git configuration
GIT_ENV = {
    "GIT_AUTHOR_NAME": "A",
    "GIT_AUTHOR_EMAIL": "a@example.com",
    "GIT_COMMITTER_NAME": "A",
    "GIT_COMMITTER_EMAIL": "a@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, date: str = "2024-04-20T10:00:00+00:00") -> str:
    """Run git in ``repo`` with fixed dates; its output, stripped."""
    env = {**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")
