"""sphinx-postmortem: blameless post-mortems as a checked Sphinx knowledge base.

The modules, each knowing only those below it:

- ``fields``, ``diagnostics``, ``charts``: parsing values, warnings, SVG charts;
- ``config``: every setting, declared once and checked;
- ``records``: the plain data kept per document;
- ``domain``: the store of records, ids, references, the index, the fingerprint;
- ``render``: drawing placeholders from records when a page is written;
- ``directive``: the base directive and its declared fields;
- ``incident``, ``timeline``, ``action``: the directives of a post-mortem;
- ``query``: table queries and the one registry of columns;
- ``tables``, ``metrics``: the directives that aggregate the project;
- ``collect``: what happens once a document is read, and once all are;
- ``review``, ``export``, ``cli``: the review of the writing, postmortem.json,
  the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .action import setup_action
from .browser import setup_browser
from .collect import setup_collect
from .config import setup_config
from .domain import setup_domain
from .export import setup_export
from .feeds import setup_feeds
from .incident import setup_incident
from .metrics import setup_metrics
from .render import setup_render
from .review import setup_review
from .tables import setup_tables
from .timeline import setup_timeline

if TYPE_CHECKING:
    from sphinx.application import Sphinx

__all__ = ["__version__", "setup"]


def setup(app: Sphinx) -> dict[str, Any]:
    setup_config(app)
    setup_domain(app)
    setup_render(app)
    setup_incident(app)
    setup_timeline(app)
    setup_action(app)
    setup_tables(app)
    setup_metrics(app)
    setup_collect(app)
    setup_review(app)
    setup_export(app)
    setup_feeds(app)
    setup_browser(app)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
