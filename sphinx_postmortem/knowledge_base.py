"""A knowledge base as the command line sees it: its settings, its ids, a new id.

The settings are read the way Sphinx reads them (``conf.py`` evaluated with
``tags``), and the ids in use are read from the ``incident`` directives of
every page, so that a page whose file name says nothing still counts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import DEFAULTS

#: the shapes tried, in order, when conf.py sets no ``postmortem_id_format``
ID_FORMATS = tuple(
    f"{{prefix}}{sep}{{year}}{sep2}{{number:0{width}d}}"
    for width in (3, 4, 2, 5, 1)
    for sep in ("-", "", "_", ".")
    for sep2 in ("-", "", "_", ".")
)
SOURCE_SUFFIXES = (".md", ".rst", ".txt")
INCIDENT_DIRECTIVE = re.compile(
    r"""^[ \t]*(?:
        (?:`{3,}|:{3,})[ \t]*\{incident\}   # MyST: ```{incident} ID or :::{incident} ID
      | \.\.[ \t]+incident[ \t]*::          # reST: .. incident:: ID
    )[ \t]+(?P<id>\S+)""",
    re.MULTILINE | re.VERBOSE,
)


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be used as asked; the message says why, in one line."""


def read_conf(root: Path) -> dict[str, Any]:
    """The names ``conf.py`` defines, evaluated as Sphinx does (with ``tags``)."""
    import sphinx
    from sphinx.config import eval_config_file
    from sphinx.errors import ConfigError
    from sphinx.util.tags import Tags

    conf = (root / "conf.py").resolve()
    if not conf.is_file():
        raise KnowledgeBaseError(f"{root} is not a knowledge base: it has no conf.py")
    try:
        # Sphinx 8 and later take a Path; 7.4 a str
        where: Any = conf if sphinx.version_info >= (8,) else str(conf)
        return eval_config_file(where, Tags())
    except ConfigError as exc:
        raise KnowledgeBaseError(conf_error(conf, exc)) from None


def conf_error(conf: Path, exc: BaseException) -> str:
    """One line for an error in conf.py: where, and what, without a traceback."""
    cause = exc.__cause__ or exc
    if isinstance(cause, SyntaxError):
        return f"{conf}:{cause.lineno}: syntax error in the configuration: {cause.msg}"
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(cause.__traceback__)
        if frame.filename == str(conf)
    ]
    where = f"{conf}:{lines[-1]}" if lines else str(conf)
    what = " ".join(str(cause).split()) if cause is not exc else first_line(str(exc))
    kind = type(cause).__name__ if cause is not exc else "error"
    return f"{where}: {kind} in the configuration: {what}"


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def setting(conf: dict[str, Any], name: str) -> Any:
    """A setting from conf.py, else its default."""
    return conf.get(name, DEFAULTS.get(name))


@dataclass(frozen=True)
class IdShape:
    """How this knowledge base writes an incident id: a format and the pattern it must match."""

    format: str
    prefix: str
    pattern: re.Pattern[str]

    def make(self, year: int, number: int) -> str:
        return self.format.format(prefix=self.prefix, year=year, number=number)

    def number(self, incident_id: str, year: int) -> int | None:
        """The number of an id of ``year`` in this shape, else None."""
        match = self.reader(year).fullmatch(incident_id)
        return int(match["number"]) if match else None

    def reader(self, year: int) -> re.Pattern[str]:
        parts = []
        for text, field, _spec, _conv in string.Formatter().parse(self.format):
            parts.append(re.escape(text))
            if field == "prefix":
                parts.append(re.escape(self.prefix))
            elif field == "year":
                parts.append(f"0*{year}")
            elif field == "number":
                parts.append(r"(?P<number>\d+)")
        return re.compile("".join(parts))


def literal_prefix(pattern: str) -> str:
    """The letters a pattern starts with, when it starts with letters (``PM`` of ``PM\\d{4}``)."""
    match = re.match(r"(?:[A-Za-z0-9]|\\[-_.])*", pattern)
    text = match[0].replace("\\", "") if match else ""
    # a quantifier after the last letter makes it optional: keep only the sure part
    if text and re.match(r"[*?{+]", pattern[len(match[0]) :] if match else ""):
        text = text[:-1]
    return re.sub(r"[^A-Za-z0-9]+$", "", re.sub(r"\d+$", "", text))


def id_shape(conf: dict[str, Any], used: Iterable[str] = ()) -> IdShape:
    """The shape of new ids, from ``postmortem_id_pattern`` (and ``postmortem_id_format``).

    The prefix is the pattern's literal start (``PM`` for ``PM\\d{4}-\\d{3}``); a
    pattern that takes any prefix keeps the one most ids in use have, else ``INC``.
    """
    raw = str(setting(conf, "postmortem_id_pattern"))
    try:
        pattern = re.compile(raw)
    except re.error as exc:
        why = f"postmortem_id_pattern is not a regular expression ({exc})"
        raise KnowledgeBaseError(why) from None
    prefixes = [literal_prefix(raw), *_common_prefixes(used)]
    formats = [conf["postmortem_id_format"]] if conf.get("postmortem_id_format") else ID_FORMATS
    for prefix in [str(p) for p in prefixes if p is not None] + ["INC", ""]:
        for fmt in formats:
            shape = IdShape(str(fmt), prefix, pattern)
            try:
                examples = [shape.make(2026, 1), shape.make(1999, 42)]
            except (KeyError, ValueError, IndexError) as exc:
                why = f"postmortem_id_format {fmt!r} is not usable ({exc})"
                raise KnowledgeBaseError(why) from None
            if all(pattern.fullmatch(example) for example in examples):
                return shape
    raise KnowledgeBaseError(
        f"cannot make an id that matches postmortem_id_pattern {raw!r}: set "
        'postmortem_id_format in conf.py, such as "{prefix}-{year}-{number:03d}"'
    )


def _common_prefixes(used: Iterable[str]) -> list[str]:
    counts: dict[str, int] = {}
    for incident_id in used:
        if match := re.match(r"[A-Za-z][A-Za-z0-9]*?(?=[-_.]?\d{4})", incident_id):
            counts[match[0]] = counts.get(match[0], 0) + 1
    return sorted(counts, key=lambda p: -counts[p])


def source_files(root: Path) -> Iterator[Path]:
    """The pages of a knowledge base, without hidden folders and build output."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield Path(folder, name)


def used_ids(root: Path) -> set[str]:
    """Every id an ``incident`` directive names (both syntaxes), and every page's file name."""
    found: set[str] = set()
    for path in source_files(root):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(match["id"] for match in INCIDENT_DIRECTIVE.finditer(text))
        found.add(path.name)
    return found


def numbers(shape: IdShape, year: int, names: Iterable[str]) -> set[int]:
    """The numbers of ``year`` in ids, or at the start of file names (``INC-2026-004-x.md``)."""
    reader = re.compile(shape.reader(year).pattern + r"(?=$|[-._ ])")
    return {int(m["number"]) for name in names if (m := reader.match(name))}


def reserve(
    folder: Path,
    shape: IdShape,
    year: int,
    used: Iterable[str],
    file_name: Callable[[str], str],
    text: Callable[[str], str],
) -> tuple[str, Path]:
    """Write a new page under the next free id of ``year``; never overwrite, never clash.

    ``file_name(id)`` names the page and ``text(id)`` is its content. The id is
    claimed by creating ``.<id>.claim`` with O_EXCL (atomic on every platform
    and file system Python runs on); the claim is removed as soon as the page
    exists, so nothing is left behind. After claiming, the folder is read
    again: a run that finished in between has its page there by then.
    """
    folder.mkdir(parents=True, exist_ok=True)
    number = max(numbers(shape, year, [*used, *os.listdir(folder)]), default=0) + 1
    while True:
        incident_id = shape.make(year, number)
        claim = folder / f".{incident_id}.claim"
        try:
            os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            number += 1
            continue
        try:
            if number in numbers(shape, year, os.listdir(folder)):
                number += 1
                continue
            path = folder / file_name(incident_id)
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text(incident_id))
            return incident_id, path
        finally:
            claim.unlink()


FORMATS = {"md": "md", "markdown": "md", "myst": "md", "rst": "rst", "rest": "rst"}


class UsageError(Exception):
    """A bad answer or flag: the message is for the user; nothing was written."""


@dataclass
class KnowledgeBase:
    root: Path
    severities: list[str]
    default_format: str
    shape: IdShape
    used: set[str]

    @classmethod
    def load(cls, root: Path) -> KnowledgeBase:
        try:
            conf = read_conf(root)
            used = used_ids(root)
            shape = id_shape(conf, used)
        except KnowledgeBaseError as exc:
            raise UsageError(str(exc)) from None
        default_format = FORMATS.get(str(conf.get("postmortem_template_format", "md")), "md")
        return cls(root, list(setting(conf, "postmortem_severities")), default_format, shape, used)


def check_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{value.strip()!r} is not a date in the form YYYY-MM-DD") from None
