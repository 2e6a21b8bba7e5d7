"""The user manual in docs/: it builds cleanly, documents every name, and reads well.

The reference pages follow conventions that make them checkable against the
code, through the objects Sphinx records while it builds the manual:

- every directive and role the extension registers is an ``rst:directive`` or
  ``rst:role``; a directive is on its own page, ``docs/reference/<name>.md``,
  and each of its options is an ``rst:directive:option`` nested in it;
- every configuration value is a ``confval`` on ``docs/configuration.md``;
- every warning subtype has a section labelled ``warning-<subtype>`` on
  ``docs/warnings.md``;
- every flag and argument of each subcommand, such as ``sphinx-postmortem new``,
  is an ``option`` after ``program:: sphinx-postmortem new`` on ``docs/cli.md``.

A new option, setting, subtype or flag without its entry fails a test here.
"""

from __future__ import annotations

import argparse
import re
import runpy
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from browser import Opener, Tab
from conftest import ids_used_twice, plain
from docutils.parsers.rst import directives, roles
from sphinx.testing.util import SphinxTestApp

from sphinx_postmortem.action import ActionDirective
from sphinx_postmortem.cli import parser
from sphinx_postmortem.config import DEFAULTS
from sphinx_postmortem.diagnostics import SUBTYPES
from sphinx_postmortem.directive import Field
from sphinx_postmortem.incident import IncidentDirective
from sphinx_postmortem.tables import ActionTableDirective, IncidentTableDirective
from sphinx_postmortem.timeline import TimelineDirective

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PACKAGE = ROOT / "sphinx_postmortem"

#: the directives of the contract; any other the extension registers is checked too
DIRECTIVES: dict[str, type[Any]] = {
    "incident": IncidentDirective,
    "timeline": TimelineDirective,
    "action": ActionDirective,
    "action-table": ActionTableDirective,
    "incident-table": IncidentTableDirective,
}

# myst-parser's own use of an API that Sphinx 11 removes; not ours to fix
pytestmark = pytest.mark.filterwarnings(r"ignore:'myst_parser\.sphinx_ext\.myst_refs")


@dataclass
class Manual:
    """The manual, built once into a temporary folder, as a reader gets it."""

    outdir: Path
    warnings: str
    #: every postmortem_* value the extension registers with Sphinx
    config_names: list[str]
    #: the directives and roles the extension registers, by name
    directives: dict[str, type[Any]]
    roles: list[str]
    #: (objtype, name) -> (docname, anchor) of the reST domain
    rst_objects: dict[tuple[str, str], tuple[str, str]]
    #: (objtype, name) -> docname, anchor of the standard domain (confval)
    std_objects: dict[tuple[str, str], Any]
    #: label -> (docname, anchor, section title)
    labels: dict[str, tuple[str, str, str]]
    #: (program, option) -> (docname, anchor)
    program_options: dict[tuple[str, str], tuple[str, str]]

    def html(self, docname: str) -> str:
        return (self.outdir / f"{docname}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Manual:
    """Build a copy of docs/ (and the schema it includes), so nothing is written to the repo."""
    root = tmp_path_factory.mktemp("manual")
    srcdir = root / "docs"
    shutil.copytree(DOCS, srcdir, ignore=shutil.ignore_patterns("_build"))
    (root / "sphinx_postmortem").mkdir()
    shutil.copy(PACKAGE / "postmortem.schema.json", root / "sphinx_postmortem")
    app = SphinxTestApp("html", srcdir=srcdir, builddir=root / "_build", freshenv=True)
    try:
        ours = {
            name: cls
            for name, cls in directives._directives.items()
            if getattr(cls, "__module__", "").startswith("sphinx_postmortem")
        }
        our_roles = [
            name
            for name, role in roles._roles.items()
            if type(role).__module__.startswith("sphinx_postmortem")
        ]
        app.build()
        std, rst = app.env.get_domain("std"), app.env.get_domain("rst")
        return Manual(
            outdir=Path(app.outdir),
            warnings=plain(app.warning.getvalue()),
            config_names=[v.name for v in app.config if v.name.startswith("postmortem_")],
            directives=ours,
            roles=our_roles,
            rst_objects=dict(rst.objects),  # type: ignore[attr-defined]
            std_objects=dict(std.objects),
            labels=dict(std.labels),
            program_options=dict(std.progoptions),
        )
    finally:
        app.cleanup()


# -- what the checks compare ---------------------------------------------------------


def missing(expected: Iterable[str], documented: Iterable[str]) -> list[str]:
    """The expected names that the documentation does not have, sorted."""
    return sorted(set(expected) - set(documented))


def page_of(directive: str) -> str:
    return f"reference/{directive}"


def documented_options(manual: Manual, directive: str, page: str) -> set[str]:
    prefix = f"{directive}:"
    return {
        name.removeprefix(prefix)
        for (objtype, name), (docname, _) in manual.rst_objects.items()
        if objtype == "directive:option" and name.startswith(prefix) and docname == page
    }


def undocumented_options(manual: Manual, directive: str, cls: type[Any]) -> list[str]:
    """The options of ``cls`` that the page of ``directive`` does not document."""
    return missing(cls.option_spec, documented_options(manual, directive, page_of(directive)))


def documented_config(manual: Manual) -> set[str]:
    return {
        name
        for (objtype, name), entry in manual.std_objects.items()
        if objtype == "confval" and entry[0] == "configuration"
    }


def documented_subtypes(manual: Manual) -> set[str]:
    return {
        label.removeprefix("warning-")
        for label, (docname, _, title) in manual.labels.items()
        if label.startswith("warning-")
        and docname == "warnings"
        and title == f"postmortem.{label.removeprefix('warning-')}"
    }


def documented_flags(manual: Manual, command: str = "new") -> set[str]:
    """The flags documented for ``sphinx-postmortem <command>`` (Sphinx joins the words)."""
    program = f"sphinx-postmortem-{command}" if command else "sphinx-postmortem"
    return {
        flag
        for (prog, flag), (docname, _) in manual.program_options.items()
        if prog == program and docname == "cli"
    }


def subcommands(main: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    main = main or parser()
    (commands,) = [a for a in main._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def command_flags(command: argparse.ArgumentParser) -> list[str]:
    """Every flag of a subcommand, and the name of each positional argument."""
    return [
        name for action in command._actions for name in (action.option_strings or [action.dest])
    ]


def squash(html: str) -> str:
    """Text as a reader reads it: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- the build -----------------------------------------------------------------------


def test_manual_builds_without_a_warning(manual: Manual) -> None:
    assert manual.warnings == ""
    for page in ("index", "getting-started", "tutorial/index", "configuration", "cli"):
        assert (manual.outdir / f"{page}.html").is_file()
    assert (manual.outdir / "postmortem.json").is_file()  # the manual's examples, exported


def test_the_manual_reads_no_commit_trailers() -> None:
    """Built where it lives (make docs), the manual would see the trailers that close
    actions of incidents/, name no action of its own and fail with -W."""
    assert runpy.run_path(str(DOCS / "conf.py"))["postmortem_git"] is False


def test_examples_are_rendered_live(manual: Manual) -> None:
    incident = squash(manual.html("reference/incident"))
    assert "Incident : INC-2026-201" in incident
    assert "Mitigated : 2026-09-14 08:31 EDT" in incident  # written as 12:31:00Z
    assert "Time to resolve : 1 h 13 min" in incident

    timeline = manual.html("reference/timeline")
    assert "Time (America/New_York)" in timeline
    assert "Time to detect : 40 min" in squash(timeline)  # filled in by [detected]

    tables = manual.html("reference/action-table")
    assert tables.count('class="pm-table') >= 9  # one table per example
    assert "No actions match (status open, in-progress; overdue)." in tables
    assert 'href="action.html#CERT-AUTO-RENEW"' in tables


def test_no_page_of_the_manual_uses_an_id_twice(manual: Manual) -> None:
    assert ids_used_twice(manual.outdir) == {}


# -- the reference pages against the code --------------------------------------------


@pytest.mark.parametrize("directive", DIRECTIVES)
def test_every_directive_option_is_documented(manual: Manual, directive: str) -> None:
    cls = DIRECTIVES[directive]
    assert manual.rst_objects[("directive", directive)][0] == page_of(directive)
    assert undocumented_options(manual, directive, cls) == []
    # and nothing is documented that the directive does not take
    documented = documented_options(manual, directive, page_of(directive))
    assert missing(documented, cls.option_spec) == []


def test_every_registered_directive_and_role_is_documented(manual: Manual) -> None:
    assert set(DIRECTIVES) <= set(manual.directives)
    for name, cls in manual.directives.items():
        assert manual.rst_objects.get(("directive", name), ("",))[0] == page_of(name), name
        assert undocumented_options(manual, name, cls) == [], name
    assert sorted(manual.roles) == ["action", "incident"]
    for role in manual.roles:
        assert ("role", role) in manual.rst_objects


def test_every_configuration_value_is_documented(manual: Manual) -> None:
    expected = [*DEFAULTS, *manual.config_names]
    assert missing(expected, documented_config(manual)) == []
    assert missing(documented_config(manual), expected) == []  # nothing stale


def test_every_warning_subtype_is_documented(manual: Manual) -> None:
    assert missing(SUBTYPES, documented_subtypes(manual)) == []
    assert missing(documented_subtypes(manual), SUBTYPES) == []  # nothing stale


@pytest.mark.parametrize("command", subcommands())
def test_every_command_line_flag_is_documented(manual: Manual, command: str) -> None:
    flags = command_flags(subcommands()[command])
    assert missing(flags, documented_flags(manual, command)) == []
    assert missing(documented_flags(manual, command), flags) == []


def test_every_documented_command_exists(manual: Manual) -> None:
    assert "--title" in command_flags(subcommands()["new"])
    documented = {program for program, _ in manual.program_options}
    assert documented == {"sphinx-postmortem", *(f"sphinx-postmortem-{c}" for c in subcommands())}
    assert documented_flags(manual, "") == {"--version"}


def test_an_undocumented_name_fails_the_checks(manual: Manual) -> None:
    """The checks above catch a name that the code gains without documentation."""

    class ActionWithReviewer(ActionDirective):
        fields: ClassVar[tuple[Field, ...]] = (
            *ActionDirective.fields,
            Field("reviewer", "who reviews the work"),
        )

    assert undocumented_options(manual, "action", ActionWithReviewer) == ["reviewer"]
    # an option documented on another directive's page does not count
    assert "status" in documented_options(manual, "action", "reference/action")
    assert "status" not in documented_options(manual, "action", "reference/incident")
    assert missing([*DEFAULTS, "postmortem_new_value"], documented_config(manual)) == [
        "postmortem_new_value"
    ]
    assert missing([*SUBTYPES, "new-subtype"], documented_subtypes(manual)) == ["new-subtype"]

    new = subcommands(parser())["new"]
    new.add_argument("--owner")
    assert missing(command_flags(new), documented_flags(manual, "new")) == ["--owner"]


# -- in a browser ----------------------------------------------------------------------


def open_manual_page(open_page: Opener, html_file: Path, name: str) -> tuple[Tab, str]:
    """A page of the manual in the browser, a screenshot of it, and its DOM."""
    tab = open_page(html_file, width=1280, height=1600)
    assert tab.screenshot(name).stat().st_size > 10_000
    return tab, tab.page.content()


def local_assets(dom: str, html_file: Path) -> list[Path]:
    """The style sheets and scripts a page loads from the build folder."""
    refs = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', dom)
    refs += re.findall(r'<script[^>]*src="([^"]+)"', dom)
    return [html_file.parent / ref.split("?")[0] for ref in refs if "://" not in ref]


def test_home_page_in_a_browser(manual: Manual, open_page: Opener) -> None:
    html_file = manual.outdir / "index.html"
    tab, dom = open_manual_page(open_page, html_file, "home")

    assert tab.console == []
    assert all(asset.is_file() for asset in local_assets(dom, html_file))
    names = {a.name for a in local_assets(dom, html_file)}
    assert {"postmortem.css", "postmortem-tables.js"} <= names
    # furo's navigation, with the manual's sections
    assert 'class="sidebar-drawer"' in dom
    sidebar = dom[dom.index('class="sidebar-tree"') :]
    for caption in ("Start here", "Reference", "How-to guides"):
        assert caption in sidebar
    # the live incident table lists the manual's example incidents
    table = dom[dom.index("pm-incident-table") :]
    table = table[: table.index("</table>")]
    for incident_id in ("INC-2026-101", "INC-2026-201", "INC-2026-202", "INC-2026-203"):
        assert f">{incident_id}<" in table


def test_reference_page_in_a_browser(manual: Manual, open_page: Opener) -> None:
    html_file = manual.outdir / "reference" / "incident.html"
    tab, dom = open_manual_page(open_page, html_file, "reference-incident")

    assert tab.console == []
    assert all(asset.is_file() for asset in local_assets(dom, html_file))
    assert 'class="sidebar-drawer"' in dom
    # the source of the example, and what the extension made of it
    assert "{incident} INC-2026-201" in dom
    assert 'id="INC-2026-201"' in dom
    text = squash(dom)
    assert "Severity : SEV1" in text
    assert "Time to detect : 7 min" in text
    # every option has its entry, a link target in the page
    for option in IncidentDirective.option_spec:
        assert f'id="directive-option-incident-{option}"' in dom
