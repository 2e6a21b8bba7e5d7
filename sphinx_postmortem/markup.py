"""Text the command line writes into pages, escaped for the page's syntax.

What a person types (a title, a list of services) reaches the page as text:
never as markup, never as a second line of a directive.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from docutils.utils import column_width

#: reST inline markup starts or ends at these; a backslash makes each one plain
REST_SPECIAL = re.compile(r"([\\*`|_])")
#: CommonMark and MyST markup in a heading (roles {..}, links, HTML, emphasis, math)
MYST_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$|~]|&(?=#?\w+;))")


class LineBreakError(ValueError):
    """A value meant for one line holds a line break."""


def one_line(value: str, what: str) -> str:
    """The value, refused when it holds a line break (it would start a new line of markup)."""
    if any(c in value for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        raise LineBreakError(f"the {what} holds a line break; write it on one line")
    return value


def rest_text(text: str) -> str:
    """Plain text for reST: a backslash before every character that could start markup."""
    return REST_SPECIAL.sub(r"\\\1", text)


def myst_text(text: str) -> str:
    """Plain text for a MyST (CommonMark) line: markup characters escaped."""
    return MYST_SPECIAL.sub(r"\\\1", text)


def rest_title(text: str, char: str = "=") -> str:
    """A reST section title and its underline, as long as the title is wide."""
    line = rest_text(text)
    return f"{line}\n{char * column_width(line)}"


def slug(title: str, limit: int = 50) -> str:
    """Lower-case ASCII words of the title joined by ``-``; empty when it has no Latin letter."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if not re.search(r"[a-z]", words):
        return ""
    return words[:limit].rstrip("-")


def file_name(incident_id: str, title: str, date: dt.date, suffix: str) -> str:
    """``<id>-<slug><suffix>``; the date stands in for a title without Latin letters."""
    return f"{incident_id}-{slug(title) or date.isoformat()}{suffix}"
