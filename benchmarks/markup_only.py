"""The benchmark's ``markup`` flavour: the extension's markup, and nothing else.

Registers ``incident``, ``timeline``, ``action``, ``action-table`` and
``incident-table`` with the extension's own arguments and options, but each
directive only parses its content into a container: no records, no checks,
no review, no drawing, no export. A build of the ``ours`` sources with this
extension costs what docutils charges for reading the syntax of SPEC.md (an
option block and an explicit-markup list are each parsed by a new nested
state machine), so ``ours/markup`` is the cost of the extension's own work.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_postmortem.action import ActionDirective
from sphinx_postmortem.incident import IncidentDirective
from sphinx_postmortem.tables import ActionTableDirective, IncidentTableDirective
from sphinx_postmortem.timeline import TimelineDirective


def parse_only(real: type[SphinxDirective]) -> type[SphinxDirective]:
    class ParseOnly(SphinxDirective):
        required_arguments = real.required_arguments
        optional_arguments = real.optional_arguments
        final_argument_whitespace = real.final_argument_whitespace
        option_spec = real.option_spec
        has_content = real.has_content

        def run(self) -> list[nodes.Node]:
            return [nodes.container("", *self.parse_content_to_nodes())]

    return ParseOnly


def setup(app: Sphinx) -> dict[str, Any]:
    directives = {
        "incident": IncidentDirective,
        "timeline": TimelineDirective,
        "action": ActionDirective,
        "action-table": ActionTableDirective,
        "incident-table": IncidentTableDirective,
    }
    for name, real in directives.items():
        app.add_directive(name, parse_only(real))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
