"""A quiet build for ``sphinx-postmortem check``: every warning, whole; no traceback.

Warnings are taken from Sphinx's warning stream, one record per write (the
handler writes each record once, whole, with ``show_warning_types`` adding
its type): a docutils message that runs over several lines stays one finding.
A configuration or set-up error is one line, raised as :class:`SetupError`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from .knowledge_base import conf_error, first_line

if TYPE_CHECKING:
    from sphinx.application import Sphinx

RECORD = re.compile(
    r"^(?:(?P<location>.*?): )?(?:WARNING|ERROR|CRITICAL|SEVERE): "
    r"(?P<message>.*?)(?: \[(?P<type>[\w.-]+)\])?\s*$",
    re.DOTALL,
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class SetupError(Exception):
    """The project could not be set up or built; the message is one line."""


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    message: str
    subtype: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" if where else self.message


class Records(io.TextIOBase):
    """The warning stream: each write is one record, kept whole."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(ANSI.sub("", text))
        return len(text)

    def findings(self) -> list[Finding]:
        return [f for text in self.written if (f := finding(text)) is not None]


def finding(text: str) -> Finding | None:
    """One written record as a finding: where, what (every line of it) and its subtype."""
    match = RECORD.match(text)
    if match is None:
        return None
    kind = match["type"] or ""
    subtype = kind.partition(".")[2] if kind.startswith("postmortem.") else kind
    path, line = split_location(match["location"] or "")
    return Finding(path, line, match["message"].rstrip(), subtype)


def split_location(location: str) -> tuple[str, int | None]:
    path, _, line = location.rpartition(":")
    if not path or not (line.isdigit() or line == ""):
        path, line = location, ""
    shown = os.path.relpath(path) if path and not path.startswith("<") else path
    return shown, int(line) if line else None


@dataclass
class Outcome:
    findings: list[Finding]
    #: {page path: (incident id, title, status)}
    incidents: dict[str, tuple[str, str, str]]


@contextlib.contextmanager
def quiet_app(root: Path, warning: IO[str]) -> Iterator[Sphinx]:
    """``root`` built with the dummy builder into a temporary folder, quietly.

    Every set-up or build error is a :class:`SetupError` of one line. The
    docutils namespace forgets the directives the build registers, as
    sphinx-build does, so that a later build in the same process starts clean.
    """
    from sphinx.application import Sphinx
    from sphinx.errors import ConfigError
    from sphinx.util.docutils import docutils_namespace

    conf = (root / "conf.py").resolve()
    if not conf.is_file():
        raise SetupError(f"{root} is not a knowledge base: it has no conf.py")
    with tempfile.TemporaryDirectory() as tmp, docutils_namespace():
        try:
            app = Sphinx(
                srcdir=root,
                confdir=root,
                outdir=Path(tmp, "out"),
                doctreedir=Path(tmp, "doctrees"),
                buildername="dummy",
                status=None,
                warning=warning,
                freshenv=True,
                confoverrides={"show_warning_types": True},
            )
        except ConfigError as exc:
            raise SetupError(conf_error(conf, exc)) from None
        except Exception as exc:  # any extension's set-up error: one line, not a traceback
            raise SetupError(f"{conf}: the project cannot be set up: {one_line(exc)}") from None
        if "sphinx_postmortem" not in app.extensions:
            raise SetupError(
                f'{conf} does not load the extension: add "sphinx_postmortem" to '
                "extensions in conf.py"
            )
        try:
            app.build()
        except Exception as exc:
            raise SetupError(f"{root}: the build stopped: {one_line(exc)}") from None
        yield app


def quiet_build(root: Path) -> Outcome:
    """Build ``root`` quietly, and collect its warnings and post-mortems."""
    warnings = Records()
    with quiet_app(root, cast("IO[str]", warnings)) as app:  # a text stream, written to only
        incidents = incident_pages(app)
    return Outcome(warnings.findings(), incidents)


def one_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return first_line(str(cause)) or type(cause).__name__


def incident_pages(app: Sphinx) -> dict[str, tuple[str, str, str]]:
    from .domain import get_domain

    env = app.env
    return {
        os.path.relpath(env.doc2path(i.docname)): (i.id, i.title, i.status)
        for i in get_domain(env).all_incidents()
    }
