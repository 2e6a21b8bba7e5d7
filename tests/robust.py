"""Shared by the robustness tests: hostile strings, and builds outside pytest fixtures.

Hypothesis runs a test function many times within one call, so those tests
cannot use function-scoped fixtures such as ``make_app``; :func:`build_project`
builds a project with ``SphinxTestApp`` directly, as the ``build`` fixture does.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from conftest import CONF, Built, plain, write_project
from sphinx.testing.util import SphinxTestApp

#: What a field value must never turn into: raw HTML, or a LaTeX command.
SCRIPT = '<script>alert("pm")</script>'
LATEX = r"\input{/etc/passwd}"

#: Single-line strings that mean something to reST, MyST, HTML, LaTeX, JSON,
#: format strings, or our own field parsers.
HOSTILE = (
    "",
    " ",
    "\t",
    ":",
    "::",
    ":date: 2024-01-01",
    "`",
    "``",
    "```",
    "`x`_",
    "_x_",
    "*",
    "**x**",
    "*x",
    "|",
    "|x|",
    ">",
    "\\",
    "\\\\",
    "\\`",
    SCRIPT,
    "<b>bold</b>",
    "<!--",
    "]]>",
    "&amp;",
    "&",
    '"',
    "'",
    '"\'"',
    "\u202eevil",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\ufeff",
    "\u00a0",
    "\x00",
    "\x7f",
    "é",
    "日本語",
    "🔥",
    "{}",
    "{0}",
    "{x}",
    "{{}}",
    "%",
    "%s",
    "%(x)s",
    "$x$",
    "#",
    "x # comment",
    "[",
    "[started]",
    "[Resolved]",
    "[note]",
    "[]",
    "-",
    "--",
    "- x",
    "\u2014",  # em dash
    "\u2013",  # en dash
    "..",
    ".. x::",
    "...",
    "=",
    "0",
    "-1",
    "None",
    "null",
    "true",
    "25:61",
    "24:00",
    "23:59:60",
    "9:5",
    "00:00",
    "12:00:00.5",
    "0000-00-00",
    "2024-02-30",
    "2024-13-01",
    "2024-1-1",
    "20240101",
    "2024-03-14T09:02:00+01:00",
    "2024-03-14T09:02Z",
    "2024-03-14 09:02+99:00",
    "+05:30",
    "../../etc/passwd",
    "/etc/passwd",
    "Europe/../../x",
    "UTC",
    "utc",
    "Z",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Etc/GMT+12",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html,x",
    "vbscript:x",
    "http://",
    "https://x.example/a b",
    "https://x.example/a?b=c#d",
    "//evil.example",
    "SEV1",
    "SEV9",
    "P0",
    "open",
    "done",
    "all",
    "draft",
    "-due",
    "+id",
    "due, -id",
    "id, id",
    ", ,",
    ",",
    LATEX,
    "\\def\\x{}",
    "}",
    "{",
    "^",
    "~",
    ":incident:`NOPE-2024-999`",
    ":action:`NOPE`",
    "{incident}`NOPE-2024-999`",
    "x" * 400,
    "é" * 200,
)


def build_project(
    srcdir: Path,
    files: dict[str, str] | None = None,
    buildername: str = "html",
    conf: str = CONF,
    **kwargs: Any,
) -> Built:
    """Write ``files`` into ``srcdir`` (unless None: rebuild) and build it."""
    if files is not None:
        write_project(srcdir, files, conf)
    app = SphinxTestApp(buildername, srcdir=srcdir, status=StringIO(), warning=StringIO(), **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return Built(app)


def output(built: Built) -> str:
    """Everything the build printed, status and warnings, without colours or srcdir."""
    text = built.app.status.getvalue() + built.app.warning.getvalue()
    return plain(text).replace(str(built.app.srcdir) + "/", "")


def warning_lines(built: Built) -> list[str]:
    """Every line of the warning stream, continuation lines included."""
    text = plain(built.app.warning.getvalue())
    return text.replace(str(built.app.srcdir) + "/", "").splitlines()


def pages(outdir: Path, suffix: str = ".html") -> dict[str, bytes]:
    """Every page of that suffix under ``outdir``, by relative path, as bytes."""
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob(f"*{suffix}"))
    }
