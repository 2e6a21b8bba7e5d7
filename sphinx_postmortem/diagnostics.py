"""Every warning the extension gives, in one place.

Each one has ``type="postmortem"`` and a subtype from :data:`Subtype`, so a
project can silence one kind with ``suppress_warnings = ["postmortem.<subtype>"]``
or fail its build on all of them with ``sphinx-build -W``. The subtypes are a
``Literal``: a misspelt one is a type error, not a warning nobody can silence.
"""

from __future__ import annotations

import os
from typing import Final, Literal, TypeAlias, get_args

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger("sphinx_postmortem")

Subtype: TypeAlias = Literal[
    "config",
    "incident",
    "timeline",
    "action",
    "duplicate",
    "ref",
    "overdue",
    "table",
    "blame",
    "structure",
    "action-quality",
    "commit",
]

#: The warning subtypes and what triggers each; the manual documents each one.
SUBTYPES: Final[dict[Subtype, str]] = {
    "config": "a postmortem_* configuration value is invalid; its default is used",
    "incident": "an incident's id or fields are missing or invalid, or a document has two",
    "timeline": "a timeline entry has no valid timestamp or an ambiguous zone, is out of order, "
    "or a milestone disagrees with the incident; a timeline fence that did not parse",
    "action": "an action is missing its owner or due date, has an invalid field, "
    "or sits outside an incident's document",
    "duplicate": "an incident or action id is used twice in the project",
    "ref": "an :incident: or :action: reference names no known target",
    "overdue": "an open or in-progress action is past its due date",
    "table": "an action-table or incident-table option has an invalid value",
    "blame": "blame language in a post-mortem's prose, or a person named as a cause",
    "structure": "a post-mortem lacks a section, timeline, time or action that its status needs",
    "action-quality": "an action's title is vague, or it has several owners",
    "commit": "a commit's Closes-Action trailer closed an action that is still open in its "
    "page, or a trailer names an action that does not exist",
}
assert set(SUBTYPES) == set(get_args(Subtype)), "every subtype is described"

Location: TypeAlias = tuple[str, int | None] | nodes.Node | str


def at(source: str | None, line: int | None, docname: str) -> Location:
    """Where a warning points: the file that holds the text (an included file
    included), else the document; and the line."""
    if source and line:
        # docutils names an included file relative to the working directory
        return f"{os.path.abspath(source)}:{line}"
    return (docname, line)


def warn(subtype: Subtype, message: str, location: Location) -> None:
    """Log a located warning of type ``postmortem``."""
    logger.warning(message, location=location, type="postmortem", subtype=subtype)
