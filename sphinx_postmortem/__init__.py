"""sphinx-postmortem: blameless post-mortems as a checked Sphinx knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sphinx.application import Sphinx

STATIC = Path(__file__).parent / "static"


def _add_static_path(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> dict[str, Any]:
    from .action import setup_action
    from .config import setup_config
    from .domain import (
        PostmortemDomain,
        PostmortemRole,
        _configure_index,
        _rewrite,
        warn_unresolved,
    )
    from .export import setup_export
    from .incident import setup_incident
    from .metrics import setup_metrics
    from .render import fill_placeholders
    from .review import setup_review
    from .tables import setup_tables
    from .timeline import setup_timeline

    setup_config(app)
    app.add_domain(PostmortemDomain)
    app.add_role("incident", PostmortemRole())
    app.add_role("action", PostmortemRole())
    setup_incident(app)
    setup_timeline(app)
    setup_action(app)
    setup_tables(app)
    setup_metrics(app)
    setup_review(app)
    setup_export(app)
    app.connect("env-get-updated", _rewrite)
    app.connect("doctree-resolved", fill_placeholders)
    app.connect("warn-missing-reference", warn_unresolved)
    app.connect("builder-inited", _add_static_path)
    app.connect("builder-inited", _configure_index)
    app.add_css_file("postmortem.css")
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
