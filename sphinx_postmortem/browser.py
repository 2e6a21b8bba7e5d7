"""What HTML pages get beside their markup: the style sheet and the table script.

The files are added to ``html_static_path`` when the configuration is read
(``config-inited``), before Sphinx compares it with the previous build's, so an
unchanged rebuild does not report "The configuration has changed"; adding them
at ``builder-inited`` changed the value after that comparison, on every build.
Every builder that copies ``html_static_path`` (html, dirhtml, singlehtml,
epub) gets them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

STATIC = Path(__file__).parent / "static"
STYLE = "postmortem.css"
SCRIPT = "postmortem-tables.js"


def add_static_path(app: Sphinx, config: Config) -> None:
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]


def column_order(settings: Settings) -> str:
    """The script that tells the tables' sort the configured order of ranked columns."""
    order = {"severity": list(settings.severities), "priority": list(settings.priorities)}
    # inline in every page: a "<" in a configured name must not end the script
    shown = json.dumps(order, sort_keys=True).replace("<", "\\u003c")
    return f"window.postmortemOrder = {shown};"


def add_column_order(app: Sphinx) -> None:
    # at builder-inited, once config-inited has checked the settings
    app.add_js_file(None, body=column_order(Settings.of(app.config)))


def setup_browser(app: Sphinx) -> None:
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", add_column_order)
    app.add_css_file(STYLE)
    app.add_js_file(SCRIPT, defer="defer")
