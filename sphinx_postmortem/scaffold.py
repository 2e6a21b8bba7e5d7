"""``sphinx-postmortem init``: a new knowledge-base repository, complete and building.

The files come from ``templates/init/``; what the user typed is escaped for
each file's syntax (a Python string, Markdown, JSON). The result builds with
no warning in the environment that ran ``init``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from .markup import LineBreakError, myst_text, one_line

TEMPLATES = Path(__file__).with_name("templates") / "init"
#: template file -> where it goes in the new repository
FILES = {
    "conf.py.in": "conf.py",
    "index.md": "index.md",
    "README.md": "README.md",
    "Makefile": "Makefile",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "devcontainer.json": ".devcontainer/devcontainer.json",
    "github-workflow.yml": ".github/workflows/postmortems.yml",
    "gitignore": ".gitignore",
}
GITLAB = {"gitlab-ci.yml": ".gitlab-ci.yml"}
#: what requirements.txt pins, at the versions of the environment that ran init
REQUIREMENTS = ("sphinx-postmortem", "sphinx", "myst-parser", "furo", "sphinx-autobuild")
PLACEHOLDER = re.compile(r"@(\w+)@")


class InitError(Exception):
    """Nothing was written; the message says why."""


@dataclass(frozen=True)
class Choices:
    project: str
    id_prefix: str
    timezone: str
    format: str
    gitlab: bool = False


def check_project(value: str) -> str:
    try:
        project = " ".join(one_line(value, "project name").split())
    except LineBreakError as exc:
        raise InitError(str(exc)) from None
    if not project:
        raise InitError("the project name is empty")
    return project


def check_prefix(value: str) -> str:
    prefix = value.strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,15}", prefix):
        raise InitError(
            f"{prefix!r} is not an id prefix: a letter, then letters or digits (INC, PM, OPS)"
        )
    return prefix


def check_timezone(value: str) -> str:
    zone = value.strip()
    try:
        zoneinfo.ZoneInfo(zone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        why = f"{zone!r} is not a time zone; use an IANA name such as Europe/Berlin"
        raise InitError(why) from None
    return zone


def theme() -> str:
    """furo when it is installed, else Sphinx's own alabaster: either builds without warning."""
    return "furo" if importlib.util.find_spec("furo") else "alabaster"


def requirements() -> str:
    lines = ["# The environment that ran `sphinx-postmortem init`; `make venv` installs it."]
    for name in REQUIREMENTS:
        try:
            lines.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            if name != "furo" or theme() == "furo":
                lines.append(name)
    return "\n".join(lines) + "\n"


def values(choices: Choices) -> dict[str, str]:
    pattern = rf"{choices.id_prefix}-\d{{4}}-\d{{3,}}"
    return {
        "project": choices.project,
        "project_py": repr(choices.project),
        "project_md": myst_text(choices.project),
        "project_json": json.dumps(choices.project),
        "pattern_py": f'r"{pattern}"',
        "timezone_py": repr(choices.timezone),
        "format": choices.format,
        "theme": theme(),
        "policy": (TEMPLATES / "policy.md").read_text(encoding="utf-8"),
    }


def render(template: str, given: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: given[m[1]] if m[1] in given else m[0], template)


def plan(choices: Choices) -> dict[str, str]:
    """{path in the new repository: its text}."""
    given = values(choices)
    files = {**FILES, **(GITLAB if choices.gitlab else {})}
    texts = {
        target: render((TEMPLATES / source).read_text(encoding="utf-8"), given)
        for source, target in files.items()
    }
    texts["requirements.txt"] = requirements()
    return texts


def write(target: Path, choices: Choices, force: bool = False) -> list[Path]:
    """Write the knowledge base into ``target``; refuse a folder that is not empty."""
    if importlib.util.find_spec("myst_parser") is None:
        raise InitError(
            "the knowledge base is written in MyST Markdown: "
            "pip install 'sphinx-postmortem[myst]' first"
        )
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InitError(f"{target} is not empty; use --force to write into it anyway")
    written = []
    for name, text in plan(choices).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
