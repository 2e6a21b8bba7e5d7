"""The base of every directive: options declared once, warnings at the directive.

A directive lists its options as :class:`Field` declarations. The one list
gives docutils its ``option_spec``, reads and checks each value (a bad value is
a located warning and the directive still renders with the rest), and is what
the manual's reference pages are tested against.

Values are read by our code, never by ``option_spec`` converters: MyST drops
an option whose converter fails with a warning of its own, so a converter
would lose the value and our located message in one syntax only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import Any, ClassVar

from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from .config import Settings
from .diagnostics import Location, Subtype, at, warn
from .fields import FieldError, parse_choice

_OPTION = re.compile(r":([\w-]+):")
_YAML_KEY = re.compile(r"([\w-]+)\s*:")

#: reads an option's text for a directive; raises FieldError with what was expected
Parser = Callable[[str, "PostmortemDirective"], Any]


def text(value: str, directive: PostmortemDirective) -> str:
    return value.strip()


def plain(parse: Callable[[str], Any]) -> Parser:
    """A parser that needs nothing of the directive, such as ``parse_date``."""
    return lambda value, directive: parse(value)


def choice(choices: Callable[[Settings], Sequence[str]]) -> Parser:
    """One of the names the settings allow, such as ``postmortem_severities``."""
    return lambda value, directive: parse_choice(value, choices(directive.settings))


@dataclass(frozen=True, slots=True)
class Field:
    """One option of a directive."""

    name: str
    help: str
    parse: Parser = text
    required: bool = False
    #: the value when the option is absent or bad; a callable takes the settings
    default: Any = None
    #: an option without a value, such as ``:overdue:``
    flag: bool = False

    def default_for(self, settings: Settings) -> Any:
        return self.default(settings) if callable(self.default) else self.default


class PostmortemDirective(SphinxDirective):
    """Reads declared fields and warns, with the directive's location, about bad ones."""

    fields: ClassVar[tuple[Field, ...]] = ()
    subtype: ClassVar[Subtype]
    #: a missing required field is no warning (an archived action's owner and due)
    lenient = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.option_spec = {
            field.name: directives.flag if field.flag else directives.unchanged
            for field in cls.fields
        }

    @cached_property
    def settings(self) -> Settings:
        return Settings.of(self.config)

    @cached_property
    def source_line(self) -> tuple[str | None, int | None]:
        return self.get_source_info()

    @property
    def location(self) -> Location:
        source, line = self.source_line
        return at(source, line, self.env.docname)

    @property
    def subject(self) -> str:
        """How a warning names what it is about."""
        return self.name

    def warn(self, message: str) -> None:
        warn(self.subtype, f"{self.subject}: {message}", self.location)

    def read_fields(self) -> dict[str, Any]:
        """Every declared field's value: parsed, or its default with a warning."""
        values: dict[str, Any] = {}
        for name in self.repeated_options():
            self.warn(f":{name}: is given twice; the last value is used")
        for field in self.fields:
            values[field.name] = self.read(field)
        return values

    def repeated_options(self) -> list[str]:
        """Options written twice. reST refuses such a directive; MyST keeps the last value."""
        lines = self.block_text.splitlines()
        if len(lines) > 1 and lines[1].strip() == "---":  # MyST's YAML block of options
            stripped = [line.strip() for line in lines[2:]]
            block = stripped[: stripped.index("---")] if "---" in stripped else []
            names = [m[1] for line in block if (m := _YAML_KEY.match(line))]
        else:
            names = []
            for line in islice(lines, 1, None):  # the options only, not the content
                if not (found := _OPTION.match(line.strip())):
                    break
                names.append(found[1])
        if len(set(names)) == len(names):
            return []
        counts = Counter(name for name in names if name in (self.option_spec or {}))
        return [name for name, count in counts.items() if count > 1]

    def read(self, field: Field) -> Any:
        raw = self.options.get(field.name)
        if field.flag:
            return field.name in self.options
        if raw is None or not str(raw).strip():
            if field.required and not self.lenient:
                self.warn(f"the :{field.name}: option is required")
            elif raw is not None:
                self.warn(f":{field.name}: is empty")
            return field.default_for(self.settings)
        try:
            return field.parse(str(raw), self)
        except FieldError as exc:
            self.warn(f":{field.name}: {exc}")
            return field.default_for(self.settings)
