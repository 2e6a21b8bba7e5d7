"""The ``sphinx-postmortem`` command line.

``sphinx-postmortem new`` writes the next post-mortem of a knowledge base from
a template. In a terminal it asks for what it needs; elsewhere it takes flags
and asks nothing, so that scripts and ``make`` can run it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, TextIO, TypeVar

from . import follow, importer
from ._version import __version__
from .checking import Finding, SetupError, quiet_build
from .knowledge_base import (
    FORMATS,
    KnowledgeBase,
    UsageError,
    check_date,
    reserve,
)
from .markup import LineBreakError, file_name, myst_text, one_line, rest_title

T = TypeVar("T")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Answers:
    title: str
    severity: str
    date: dt.date
    services: list[str]
    format: str


# -- checking answers: one function per answer, shared by flags and prompts --------


def single(value: str, what: str) -> str:
    try:
        return one_line(value, what)
    except LineBreakError as exc:
        raise UsageError(str(exc)) from None


def check_title(value: str) -> str:
    title = " ".join(single(value, "title").split())
    if not title:
        raise UsageError("the title is empty")
    return title


def check_severity(value: str, choices: list[str]) -> str:
    single(value, "severity")
    for choice in choices:
        if value.strip().casefold() == choice.casefold():
            return choice
    raise UsageError(f"{value.strip()!r} is not a severity; choose one of {', '.join(choices)}")


def check_services(value: str) -> list[str]:
    return [s.strip() for s in single(value, "list of services").split(",") if s.strip()]


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
    """The page, from the template; what the user typed is escaped for the page's syntax."""
    template = Template((TEMPLATES / f"incident.{answers.format}").read_text(encoding="utf-8"))
    heading = f"{incident_id}: {answers.title}"
    services = ", ".join(answers.services)
    if answers.format == "md":
        services_line = f":services: {services}" if services else ""
        title, rule = myst_text(answers.title), ""
    else:
        services_line = f"   :services: {services}" if services else ""
        heading, _, rule = rest_title(heading).partition("\n")
        title = heading
    text = template.substitute(
        id=incident_id,
        title=title,
        heading=heading,
        rule=rule,
        date=answers.date.isoformat(),
        severity=answers.severity,
        services_line=services_line,
    )
    return re.sub(r"\n{3,}", "\n\n", text) if not services else text


def create(kb: KnowledgeBase, answers: Answers) -> tuple[str, Path]:
    """Write the post-mortem under the next free id; never overwrite a file."""
    year = answers.date.year
    return reserve(
        kb.root / f"{year:04d}",
        kb.shape,
        year,
        kb.used,
        lambda i: file_name(i, answers.title, answers.date, f".{answers.format}"),
        lambda i: render(i, answers),
    )


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


def shown(finding: Finding, first: str) -> str:
    """A finding, whole: the lines after its first are indented under it."""
    lines = str(finding).splitlines() or [""]
    rest = "".join(f"{' ' * len(first)}  {line}".rstrip() + "\n" for line in lines[1:])
    return f"{first}{lines[0]}\n{rest}"


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
                out.write(shown(problem, "          "))
        others = [f for f in found if not any(f.subtype in s for s in CHECKS.values())]
        for problem in others:
            out.write(shown(problem, "  FIX   "))
        out.write("\n")
    if by_path:
        out.write("Other pages\n")
        for problems in by_path.values():
            for problem in problems:
                out.write(shown(problem, "  FIX   "))
        out.write("\n")
    problem_pages = sum(1 for p in incidents if any(f.path == p for f in findings))
    out.write(
        f"{len(findings)} problem(s); {len(incidents) - problem_pages} of {len(incidents)} "
        "post-mortem(s) pass every check.\n"
    )


def cmd_check(args: argparse.Namespace) -> int:
    try:
        outcome = quiet_build(Path(args.path))
    except SetupError as exc:
        raise UsageError(str(exc)) from None
    report(outcome.findings, outcome.incidents, sys.stdout)
    return 1 if outcome.findings else 0


def add_new(commands: Any) -> None:
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


def add_check(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="review every post-mortem and report what to fix",
        description="Build the knowledge base quietly and report, per post-mortem, which "
        "checks pass and what to fix, with file and line. Exits 1 when anything is found, "
        "2 when the project cannot be built.",
    )
    check.add_argument(
        "path", nargs="?", default="incidents", help="the knowledge base (default: incidents)"
    )
    check.set_defaults(run=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    from . import scaffold

    def checked(check: Callable[[str], T]) -> Callable[[str], T]:
        def run(value: str) -> T:
            try:
                return check(value)
            except scaffold.InitError as exc:
                raise UsageError(str(exc)) from None

        return run

    target = Path(args.dir)
    questions = [
        ("Project name", scaffold.check_project, args.project or "Post-mortems"),
        ("Id prefix (INC-2026-001)", scaffold.check_prefix, args.id_prefix or "INC"),
        ("Time zone", scaffold.check_timezone, args.timezone or "UTC"),
        ("Format of new post-mortems (md or rst)", check_format, args.format or "md"),
    ]
    if sys.stdin.isatty() and not args.no_input:
        answers = [ask(q, checked(c), d, sys.stdin, sys.stdout) for q, c, d in questions]
    else:
        answers = [checked(c)(d) for _, c, d in questions]
    project, prefix, timezone, fmt = (str(a) for a in answers)
    choices = scaffold.Choices(project, prefix, timezone, fmt, gitlab=args.gitlab)
    try:
        written = scaffold.write(target, choices, force=args.force)
    except (scaffold.InitError, OSError) as exc:
        raise UsageError(str(exc)) from None
    shown = os.path.relpath(target)
    sys.stdout.write(
        f"Wrote a knowledge base in {shown} ({len(written)} files).\n\nNext:\n"
        f"  cd {shown}\n"
        "  git init && make hooks    commit-message check and review before each commit\n"
        "  make new-incident         start the first post-mortem\n"
        "  make html                 build it into _build/html (make serve: live)\n"
    )
    return 0


def add_init(commands: Any) -> None:
    init = commands.add_parser(
        "init",
        help="start a knowledge base of your own in a new folder",
        description="Write a new knowledge-base repository: conf.py, the index, the policy, "
        "a Makefile, hooks, a devcontainer and CI. In a terminal, asks for what the flags "
        "do not give.",
    )
    init.add_argument("dir", help="the folder to write, new or empty")
    init.add_argument("--project", help="the knowledge base's name (default: Post-mortems)")
    init.add_argument("--id-prefix", help="the letters ids start with (default: INC)")
    init.add_argument("--timezone", help="the IANA time zone of times (default: UTC)")
    init.add_argument("--format", help="md or rst, for new post-mortems (default: md)")
    init.add_argument("--gitlab", action="store_true", help="write a GitLab CI file too")
    init.add_argument("--force", action="store_true", help="write into a non-empty folder")
    init.add_argument("--no-input", action="store_true", help="never ask, even in a terminal")
    init.set_defaults(run=cmd_init)


#: one registration function per subcommand, in the order --help lists them
SUBCOMMANDS: list[Callable[[Any], None]] = [
    add_new,
    add_check,
    add_init,
    importer.add_import_command,
    follow.add_commands,
]


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="sphinx-postmortem", description="Blameless post-mortems with Sphinx."
    )
    main_parser.add_argument("--version", action="version", version=__version__)
    commands = main_parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
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
