"""Close an action in its source file, changing no other byte.

The directives are found line by line, the way a writer sees them: a reST
``.. action::`` with its field list of options, or a MyST fence (backticks or
colons) with ``:key: value`` lines or a ``---`` block of options. Only the
``:status:`` and ``:completed:`` lines are replaced or added; every other line,
line ending included, is kept as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

Syntax = Literal["md", "rst"]
NAMES = ("incident", "action")

RST_HEADER = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>[\w:-]+)::(?:[ \t]+(?P<arg>.*))?$")
RST_OPTION = re.compile(r"^(?P<indent>[ \t]+):(?P<name>[\w-]+):(?:[ \t]*(?P<value>.*?))?[ \t]*$")
MD_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})[ \t]*(?P<info>.*)$")
MD_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
MD_OPTION = re.compile(r"^(?P<indent>[ \t]*):(?P<name>[\w-]+):(?:[ \t]*(?P<value>.*?))?[ \t]*$")
YAML_OPTION = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[\w-]+):(?:[ \t]*(?P<value>.*?))?[ \t]*$")


class CloseError(Exception):
    """The action cannot be closed; the message says why and what to do."""


@dataclass
class Option:
    line: int
    value: str
    #: where the value starts and ends in the line, for replacing it alone
    span: tuple[int, int]


@dataclass
class Directive:
    name: str
    argument: str
    line: int
    options: dict[str, Option] = field(default_factory=dict)
    #: where a new option line goes, its indentation, and its form
    insert_at: int = 0
    indent: str = ""
    yaml: bool = False

    def option(self, name: str) -> str | None:
        found = self.options.get(name)
        return found.value if found is not None else None


@dataclass(frozen=True)
class SourceAction:
    """An action directive as written in a file."""

    id: str | None
    title: str
    status: str
    incident: str | None
    directive: Directive

    @property
    def line(self) -> int:
        """1-based, as editors and warnings count."""
        return self.directive.line + 1


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only ``\\n`` ends a line, as for docutils and MyST."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _rst_directive(lines: list[str], start: int, match: re.Match[str]) -> Directive:
    directive = Directive(match["name"], (match["arg"] or "").strip(), start)
    own = len(match["indent"])
    number = start + 1
    body_indent = ""
    while number < len(lines):  # the argument may go on over indented lines
        line = _bare(lines[number])
        if not line.strip() or _indent_of(line) <= own or RST_OPTION.match(line):
            break
        directive.argument += " " + line.strip()
        body_indent = body_indent or line[: _indent_of(line)]
        number += 1
    directive.insert_at = number
    option_indent = -1
    while number < len(lines):
        line = _bare(lines[number])
        option = RST_OPTION.match(line)
        if option and option_indent in (-1, len(option["indent"])) and len(option["indent"]) > own:
            option_indent = len(option["indent"])
            body_indent = option["indent"]
            _add_option(directive, option, number)
        elif not (line.strip() and option_indent >= 0 and _indent_of(line) > option_indent):
            break  # a continuation line of an option's value belongs to it
        number += 1
        directive.insert_at = number
    if not body_indent:
        following = next((_bare(x) for x in lines[number:] if x.strip()), "")
        deeper = _indent_of(following) > own
        body_indent = following[: _indent_of(following)] if deeper else match["indent"] + "   "
    directive.indent = body_indent
    return directive


def _md_directive(lines: list[str], start: int, name: str, argument: str, indent: str) -> Directive:
    directive = Directive(name, argument.strip(), start, insert_at=start + 1, indent=indent)
    number = start + 1
    if number < len(lines) and _bare(lines[number]).strip() == "---":
        directive.yaml = True
        number += 1
        while number < len(lines) and _bare(lines[number]).strip() != "---":
            option = YAML_OPTION.match(_bare(lines[number]))
            if option:
                directive.indent = option["indent"]
                _add_option(directive, option, number)
            number += 1
        directive.insert_at = number
        return directive
    while number < len(lines):
        option = MD_OPTION.match(_bare(lines[number]))
        if option is None:
            break
        directive.indent = option["indent"]
        _add_option(directive, option, number)
        number += 1
        directive.insert_at = number
    return directive


def _add_option(directive: Directive, option: re.Match[str], number: int) -> None:
    if option["value"] is not None:
        span = (option.start("value"), option.end("value"))
    else:
        span = (option.end("name") + 1, option.end("name") + 1)
    directive.options[option["name"]] = Option(number, option["value"] or "", span)


def _md_directives(lines: list[str]) -> list[Directive]:
    found: list[Directive] = []
    open_fences: list[str] = []  # the directive fences around this line, innermost last
    code_fence: str | None = None  # inside a code block, nothing is a directive
    for number, raw in enumerate(lines):
        fence = MD_FENCE.match(_bare(raw))
        if fence is None:
            continue
        mark, info = fence["fence"], fence["info"].strip()
        if code_fence is not None:
            if not info and mark[0] == code_fence[0] and len(mark) >= len(code_fence):
                code_fence = None
            continue
        directive = MD_DIRECTIVE.match(info)
        if directive is not None:
            open_fences.append(mark)
            if directive["name"] in NAMES:
                arg, indent = directive["arg"], fence["indent"]
                found.append(_md_directive(lines, number, directive["name"], arg, indent))
        elif not info and open_fences and mark[0] == open_fences[-1][0]:
            if len(mark) >= len(open_fences[-1]):
                open_fences.pop()
        elif mark[0] != ":":
            code_fence = mark
    return found


def _rst_directives(lines: list[str]) -> list[Directive]:
    found = []
    for number, raw in enumerate(lines):
        match = RST_HEADER.match(_bare(raw))
        if match and match["name"] in NAMES:
            found.append(_rst_directive(lines, number, match))
    return found


def normal_status(value: str) -> str:
    """``Done``, ``In progress``, ``wont_do``: the spellings people use."""
    return re.sub(r"[\s_]+", "-", value.strip().casefold()).replace("'", "")


def find_actions(text: str, syntax: Syntax) -> list[SourceAction]:
    """The file's actions, with their ids as the build gives them.

    An action without ``:id:`` gets ``<incident id>-A<n>``, n counting the
    document's actions from 1, as the build does; the incident is the file's
    first ``incident`` directive.
    """
    lines = split_lines(text)
    directives = _md_directives(lines) if syntax == "md" else _rst_directives(lines)
    incident = next((d.argument for d in directives if d.name == "incident"), None)
    actions = []
    number = 0
    for directive in directives:
        if directive.name != "action":
            continue
        number += 1
        explicit = (directive.option("id") or "").strip()
        default = f"{incident}-A{number}" if incident else None
        status = normal_status(directive.option("status") or "open")
        actions.append(
            SourceAction(explicit or default, directive.argument, status, incident, directive)
        )
    return actions


def _line_ending(lines: list[str], near: int) -> str:
    for line in [*lines[near : near + 1], *lines]:
        if line.endswith("\n"):
            return "\r\n" if line.endswith("\r\n") else "\n"
    return "\n"


def _set(lines: list[str], directive: Directive, name: str, value: str, after: int | None) -> None:
    """Replace the option's value, or add its line (after line ``after`` when given)."""
    option = directive.options.get(name)
    if option is not None:
        line = lines[option.line]
        start, end = option.span
        lead = "" if start > 0 and line[start - 1] in " \t" else " "
        lines[option.line] = line[:start] + lead + value + line[end:]
        return
    at = directive.insert_at if after is None else after + 1
    eol = _line_ending(lines, directive.line)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += eol  # the directive ends the file without a line ending
    key = f"{name}:" if directive.yaml else f":{name}:"
    lines.insert(at, f"{directive.indent}{key} {value}{eol}")
    for other in directive.options.values():
        if other.line >= at:
            other.line += 1
    directive.options[name] = Option(at, value, (0, 0))
    directive.insert_at += 1


def close_action(text: str, action_id: str, *, syntax: Syntax, completed: dt.date) -> str:
    """``text`` with the action done and completed; every other byte as it was."""
    actions = find_actions(text, syntax)
    matching = [a for a in actions if a.id == action_id]
    if not matching:
        known = ", ".join(a.id for a in actions if a.id) or "none"
        raise CloseError(f"there is no action {action_id!r} here (its actions: {known})")
    if len(matching) > 1:
        lines_at = ", ".join(str(a.line) for a in matching)
        raise CloseError(f"action {action_id!r} is written more than once (lines {lines_at})")
    action = matching[0]
    if action.status == "done":
        when = action.directive.option("completed")
        since = f", completed {when.strip()}" if when else ""
        raise CloseError(f"action {action_id!r} is already done{since}")
    if action.status == "wont-do":
        raise CloseError(
            f"action {action_id!r} is wont-do; if it was done after all, "
            "set its status by hand and say why in its text"
        )
    lines = split_lines(text)
    directive = action.directive
    _set(lines, directive, "status", "done", None)
    _set(lines, directive, "completed", completed.isoformat(), directive.options["status"].line)
    return "".join(lines)
