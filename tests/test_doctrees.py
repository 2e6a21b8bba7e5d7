"""The doctree each directive leaves, in reST and in MyST: the same nodes either way.

Built with sphinx-pytest's ``sphinx_doctree`` (the doctree as it is pickled,
before any page is drawn): the directives leave placeholders that carry only
what drawing needs, the same in both syntaxes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import example

CONF = {
    "extensions": ["sphinx_postmortem", "myst_parser"],
    "postmortem_today": "2024-05-01",
    "postmortem_review": False,
}


def doctree(sphinx_doctree: Any, name: str) -> str:
    """The document's doctree as text, without what differs by syntax alone."""
    ext = name.rsplit(".", 1)[1]
    result = sphinx_doctree.set_conf(CONF)(example(name), filename=f"index.{ext}")
    text = result.pformat("index")
    text = re.sub(r' (source|line|translation_progress)="[^"]*"', "", text)
    # the examples keep their line numbers equal with comments of their own
    return re.sub(r'\n( *)<comment xml:space="preserve">\n\1    [^\n]*', "", text)


@pytest.mark.parametrize("name", ["full", "tables", "orphan", "misplaced"])
def test_rest_and_myst_leave_the_same_doctree(sphinx_doctree: Any, name: str) -> None:
    rest = doctree(sphinx_doctree, f"{name}.rst")
    sphinx_doctree.srcdir.joinpath("index.rst").unlink()
    myst = doctree(sphinx_doctree, f"{name}.md")
    assert rest == myst


def test_the_doctree_holds_placeholders_not_drawn_content(sphinx_doctree: Any) -> None:
    text = doctree(sphinx_doctree, "full.rst")
    assert '<IncidentBlock docname="index" ids="INC-2024-007"' in text
    assert '<TimelineBlock docname="index" index="0">' in text
    assert re.search(r'<ActionBlock docname="index" ids="INC-2024-007-A1" index="0"', text)
    # nothing drawn yet: the summary and the tables come when a page is written
    assert "pm-fields" not in text
    assert "<table" not in text
