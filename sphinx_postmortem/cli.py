"""The ``sphinx-postmortem`` command line.

``sphinx-postmortem new`` writes the next post-mortem of a knowledge base from
a template. In a terminal it asks for what it needs; elsewhere it takes flags
and asks nothing, so that scripts and ``make`` can run it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import runpy
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, TextIO, TypeVar

from . import importer
from ._version import __version__
from .config import DEFAULTS

T = TypeVar("T")
TEMPLATES = Path(__file__).with_name("templates")
FORMATS = {"md": "md", "markdown": "md", "myst": "md", "rst": "rst", "rest": "rst"}


class UsageError(Exception):
    """A bad answer or flag: the message is for the user; nothing was written."""


@dataclass
class KnowledgeBase:
    root: Path
    severities: list[str]
    default_format: str
    prefix: str = "INC"

    @classmethod
    def load(cls, root: Path) -> KnowledgeBase:
        conf = (root / "conf.py").resolve()
        if not conf.is_file():
            raise UsageError(f"{root} is not a knowledge base: it has no conf.py")
        namespace: dict[str, Any] = {}
        cwd = Path.cwd()
        try:
            os.chdir(conf.parent)  # conf.py may use paths relative to itself
            namespace = runpy.run_path(str(conf))
        except Exception as exc:
            raise UsageError(f"{conf} could not be read: {exc}") from None
        finally:
            os.chdir(cwd)
        severities = namespace.get("postmortem_severities", DEFAULTS["postmortem_severities"])
        default_format = FORMATS.get(str(namespace.get("postmortem_template_format", "md")), "md")
        return cls(root, list(severities), default_format)

    def next_id(self, year: int) -> str:
        """One more than the highest number used this year, from the files that exist."""
        pattern = re.compile(rf"{re.escape(self.prefix)}-{year}-(\d{{3,}})")
        numbers = [
            int(match[1])
            for path in self.root.rglob(f"{self.prefix}-{year}-*")
            if (match := pattern.match(path.name))
        ]
        return f"{self.prefix}-{year}-{max(numbers, default=0) + 1:03d}"

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Serialise choosing an id, so that two runs at once get two ids."""
        path = self.root / ".new-incident.lock"
        with open(path, "a") as handle:
            try:
                import fcntl
            except ImportError:  # Windows: the exclusive create below still holds
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Answers:
    title: str
    severity: str
    date: dt.date
    services: list[str]
    format: str


def slugify(title: str, limit: int = 50) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"


# -- checking answers: one function per answer, shared by flags and prompts --------


def check_title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise UsageError("the title is empty")
    return title


def check_severity(value: str, choices: list[str]) -> str:
    for choice in choices:
        if value.strip().casefold() == choice.casefold():
            return choice
    raise UsageError(f"{value.strip()!r} is not a severity; choose one of {', '.join(choices)}")


def check_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{value.strip()!r} is not a date in the form YYYY-MM-DD") from None


def check_services(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def check_format(value: str) -> str:
    key = value.strip().lower().lstrip(".")
    if key not in FORMATS:
        raise UsageError(f"{value.strip()!r} is not a format; choose md or rst")
    return FORMATS[key]


def ask(
    prompt: str, check: Callable[[str], T], default: str | None, stdin: TextIO, out: TextIO
) -> T:
    """Ask until the answer is good; an empty answer takes the default."""
    while True:
        shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
        out.write(shown)
        out.flush()
        line = stdin.readline()
        if not line:
            raise UsageError("no answer (end of input)")
        answer = line.strip() or (default or "")
        try:
            return check(answer)
        except UsageError as exc:
            out.write(f"  {exc}\n")


def interview(kb: KnowledgeBase, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> Answers:
    severities = "/".join(kb.severities)
    return Answers(
        title=ask("Title", check_title, args.title, stdin, out),
        severity=ask(
            f"Severity ({severities})",
            lambda v: check_severity(v, kb.severities),
            args.severity,
            stdin,
            out,
        ),
        date=ask("Date", check_date, args.date or dt.date.today().isoformat(), stdin, out),
        services=ask(
            "Affected services, comma-separated", check_services, args.services, stdin, out
        ),
        format=ask(
            "Format (md or rst)", check_format, args.format or kb.default_format, stdin, out
        ),
    )


def from_flags(kb: KnowledgeBase, args: argparse.Namespace) -> Answers:
    missing = [flag for flag in ("title", "severity") if not getattr(args, flag)]
    if missing:
        raise UsageError(
            "not in a terminal, so nothing is asked: give "
            + " and ".join(f"--{m}" for m in missing)
            + " (make new-incident TITLE=... SEVERITY=...)"
        )
    return Answers(
        title=check_title(args.title),
        severity=check_severity(args.severity, kb.severities),
        date=check_date(args.date) if args.date else dt.date.today(),
        services=check_services(args.services or ""),
        format=check_format(args.format or kb.default_format),
    )


def render(incident_id: str, answers: Answers) -> str:
    template = Template((TEMPLATES / f"incident.{answers.format}").read_text(encoding="utf-8"))
    heading = f"{incident_id}: {answers.title}"
    services = ", ".join(answers.services)
    if answers.format == "md":
        services_line = f":services: {services}" if services else ""
    else:
        services_line = f"   :services: {services}" if services else ""
    text = template.substitute(
        id=incident_id,
        title=answers.title,
        heading=heading,
        rule="=" * len(heading),
        date=answers.date.isoformat(),
        severity=answers.severity,
        services_line=services_line,
    )
    return re.sub(r"\n{3,}", "\n\n", text) if not services else text


def create(kb: KnowledgeBase, answers: Answers) -> tuple[str, Path]:
    """Write the post-mortem under the next free id; never overwrite a file."""
    year = answers.date.year
    folder = kb.root / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    with kb.lock():
        incident_id = kb.next_id(year)
        path = folder / f"{incident_id}-{slugify(answers.title)}.{answers.format}"
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(render(incident_id, answers))
    return incident_id, path


def next_steps(incident_id: str, path: Path) -> str:
    shown = os.path.relpath(path)
    return (
        f"Created {shown} ({incident_id}, status draft).\n"
        "\n"
        "Next:\n"
        f"  1. Write it:   edit {shown}\n"
        "                 Describe systems, not people; every action needs an owner\n"
        "                 and a due date.\n"
        "  2. Preview it: make html, then open _build/html/index.html\n"
        "                 or live, rebuilt as you save: make serve\n"
        f"  3. Commit it:  git add {shown}\n"
        f'                 git commit -m "docs(incidents): add {incident_id} post-mortem"\n'
    )


def cmd_new(args: argparse.Namespace) -> int:
    kb = KnowledgeBase.load(Path(args.kb))
    interactive = sys.stdin.isatty() and not args.no_input
    answers = interview(kb, args, sys.stdin, sys.stdout) if interactive else from_flags(kb, args)
    incident_id, path = create(kb, answers)
    sys.stdout.write(next_steps(incident_id, path))
    return 0


#: how the report groups warning subtypes, per post-mortem
CHECKS = {
    "fields and times": ("incident", "timeline"),
    "blameless language": ("blame",),
    "structure": ("structure",),
    "actions": ("action", "action-quality", "overdue"),
    "references": ("ref", "duplicate", "table"),
}
WARNING_LINE = re.compile(
    r"^(?P<path>.*?):(?:(?P<line>\d+):)? (?:WARNING|ERROR|CRITICAL|SEVERE): "
    r"(?P<message>.*?)(?: \[(?P<type>[\w.-]+)\])?$"
)


@dataclass
class Finding:
    path: str
    line: int | None
    message: str
    subtype: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def quiet_build(root: Path) -> tuple[list[Finding], dict[str, tuple[str, str, str]]]:
    """Build with the dummy builder; return the warnings and {path: (id, title, status)}."""
    import io
    import tempfile

    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor

    from .domain import get_domain

    nocolor()
    warnings = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        app = Sphinx(
            srcdir=root,
            confdir=root,
            outdir=Path(tmp, "out"),
            doctreedir=Path(tmp, "doctrees"),
            buildername="dummy",
            status=None,
            warning=warnings,
            freshenv=True,
            confoverrides={"show_warning_types": True},
        )
        app.build()
        incidents = {
            os.path.relpath(app.env.doc2path(i.docname)): (i.id, i.title, i.status)
            for i in get_domain(app.env).all_incidents()
        }
    findings = []
    for line in re.sub(r"\x1b\[[0-9;]*m", "", warnings.getvalue()).splitlines():
        match = WARNING_LINE.match(line)
        if match is None:
            continue
        kind = match["type"] or ""
        subtype = kind.partition(".")[2] if kind.startswith("postmortem.") else kind
        path = os.path.relpath(match["path"]) if match["path"] else ""
        number = int(match["line"]) if match["line"] else None
        findings.append(Finding(path, number, match["message"], subtype))
    return findings, incidents


def report(
    findings: list[Finding], incidents: dict[str, tuple[str, str, str]], out: TextIO
) -> None:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, (incident_id, title, status) in sorted(incidents.items(), key=lambda i: i[1][0]):
        found = by_path.pop(path, [])
        out.write(f"{incident_id} ({status}): {title}\n  {path}\n")
        for check, subtypes in CHECKS.items():
            problems = [f for f in found if f.subtype in subtypes]
            out.write(f"  {'FIX ' if problems else 'pass'}  {check}\n")
            for problem in problems:
                out.write(f"          {problem}\n")
        others = [f for f in found if not any(f.subtype in s for s in CHECKS.values())]
        for problem in others:
            out.write(f"  FIX   {problem}\n")
        out.write("\n")
    if by_path:
        out.write("Other pages\n")
        for problems in by_path.values():
            for problem in problems:
                out.write(f"  FIX   {problem}\n")
        out.write("\n")
    problem_pages = sum(1 for p in incidents if any(f.path == p for f in findings))
    out.write(
        f"{len(findings)} problem(s); {len(incidents) - problem_pages} of {len(incidents)} "
        "post-mortem(s) pass every check.\n"
    )


def cmd_check(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not (root / "conf.py").is_file():
        raise UsageError(f"{root} is not a knowledge base: it has no conf.py")
    findings, incidents = quiet_build(root)
    report(findings, incidents, sys.stdout)
    return 1 if findings else 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="sphinx-postmortem", description="Blameless post-mortems with Sphinx."
    )
    main_parser.add_argument("--version", action="version", version=__version__)
    commands = main_parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser(
        "new",
        help="start the next post-mortem from the template",
        description="Write the next post-mortem of a knowledge base from the template. "
        "In a terminal, asks for what the flags do not give; elsewhere asks nothing.",
    )
    new.add_argument("--kb", default="incidents", help="the knowledge base (default: incidents)")
    new.add_argument("--title", help="what happened, in a few words")
    new.add_argument("--severity", help="one of the knowledge base's postmortem_severities")
    new.add_argument("--date", help="the incident's date, YYYY-MM-DD (default: today)")
    new.add_argument("--services", help="the affected services, comma-separated")
    new.add_argument("--format", help="md (MyST Markdown) or rst (default: from conf.py)")
    new.add_argument("--no-input", action="store_true", help="never ask, even in a terminal")
    new.set_defaults(run=cmd_new)
    check = commands.add_parser(
        "check",
        help="review every post-mortem and report what to fix",
        description="Build the knowledge base quietly and report, per post-mortem, which "
        "checks pass and what to fix, with file and line. Exits 1 when anything is found.",
    )
    check.add_argument(
        "path", nargs="?", default="incidents", help="the knowledge base (default: incidents)"
    )
    check.set_defaults(run=cmd_check)
    importer.add_import_command(commands)
    from .follow import add_commands  # here: follow imports this module

    add_commands(commands)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        sys.stderr.write(f"sphinx-postmortem: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\nsphinx-postmortem: stopped; nothing was written\n")
        return 130
