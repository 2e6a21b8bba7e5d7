"""Drawing pages from records when they are written.

Directives leave :class:`Placeholder` nodes in the doctree. When a page is
written, :func:`fill_placeholders` replaces each with nodes built from the
current records, so a page is always drawn from the newest data (and from
today's date) whether or not its own source changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.errors import NoUri
from sphinx.util.nodes import make_refnode

from .commits import CommitRef
from .config import Settings, today
from .domain import OpenActionsIndex, PostmortemDomain, get_domain
from .records import Action

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder


@dataclass
class RenderContext:
    """What a placeholder needs to draw itself on one page."""

    builder: Builder
    docname: str
    domain: PostmortemDomain

    @cached_property
    def today(self) -> dt.date:
        return today(self.builder.config)

    @cached_property
    def html(self) -> bool:
        """Whether an HTML writer writes the page: then the extension writes plain
        rows and lines as HTML itself (:func:`rows_html`)."""
        return self.builder.format == "html"

    @cached_property
    def settings(self) -> Settings:
        return Settings.of(self.builder.config)

    def commits(self, action: Action) -> tuple[CommitRef, ...]:
        """The commits whose trailers name the action, newest first."""
        history = self.domain.history
        if history is None or action.id is None:
            return ()
        return history.by_action.get(action.id, ())

    @cached_property
    def open_actions(self) -> Counter[str | None]:
        """The number of open actions, by incident id."""
        return Counter(a.incident for a in self.domain.all_actions() if a.is_open)

    def link(self, todocname: str, anchor: str, child: nodes.Node) -> nodes.Node:
        """A link to ``anchor`` in ``todocname``, or the bare child where pages have no URI."""
        try:
            return make_refnode(self.builder, self.docname, todocname, anchor, child)
        except NoUri:
            return child


class Placeholder(nodes.General, nodes.Element):
    """Stands in the doctree for content drawn from records at write time."""

    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        raise NotImplementedError


#: Builders that write no page. Nothing they resolve is ever seen, and no
#: warning comes from drawing (the directives, ``collect`` and ``review`` give
#: them all while reading), so their pages are not drawn: drawing was most of
#: the extension's cost in a ``-b dummy`` check (benchmarks/README.md).
WRITES_NOTHING = frozenset({"dummy"})


def fill_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.name in WRITES_NOTHING:
        return
    placeholders = list(doctree.findall(Placeholder))
    if not placeholders:
        return
    ctx = RenderContext(app.builder, docname, get_domain(app.env))
    for node in placeholders:
        # Not ``replace_self``: it would copy the placeholder's ids onto the first
        # node drawn, beside the target that :func:`anchor` draws (an id twice).
        node.parent.replace(node, node.render(ctx))


#: the page the open-actions index is written to, and its label
ACTIONS_PAGE = f"{PostmortemDomain.name}-{OpenActionsIndex.name}"


def draw_open_actions(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> str | None:
    """The open-actions page, drawn as a page of the project in the theme's page
    template: the themes' index template shows each entry as code and makes an
    anchor of each group's name (an owner), spaces and all."""
    if pagename != ACTIONS_PAGE or templatename != "domainindex.html":
        return None
    builder: Any = app.builder
    ctx = RenderContext(builder, pagename, get_domain(app.env))
    # the page's section numbers, as the builder sets them before it writes a
    # document (none here; unset when this build wrote no document)
    builder.secnumbers, builder.fignumbers = {}, {}
    context["title"] = OpenActionsIndex.localname
    context["body"] = builder.render_partial(open_actions_page(ctx))["fragment"]
    return "page.html"


def empty_open_actions(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The open-actions page when no action is open, so that links to it hold:
    Sphinx writes no page for an index without entries."""
    indices = app.config.html_domain_indices
    wanted = indices is True or (isinstance(indices, list) and ACTIONS_PAGE in indices)
    domain = get_domain(app.env)
    if wanted and domain.indices and not domain.open_actions_by_owner():
        context = {"indextitle": OpenActionsIndex.localname, "content": []}
        yield ACTIONS_PAGE, context, "domainindex.html"


def open_actions_page(ctx: RenderContext) -> nodes.section:
    """A section per owner, each open action on one line, by due date."""
    title = OpenActionsIndex.localname
    page = nodes.section(ids=["open-actions"], classes=["pm-open-actions"])
    page += nodes.title(title, title)
    groups = ctx.domain.open_actions_by_owner()
    if not groups:
        page += nodes.paragraph("No open actions.", "No open actions.", classes=["pm-empty"])
        return page
    ids = {"open-actions"}
    sections, jump = [], nodes.paragraph(classes=["pm-jump"])
    for owner, actions in groups:
        section_id = _unique_id(f"owner-{owner}", ids)
        if len(jump):
            jump += nodes.Text(" · ")
        jump += nodes.reference("", f"{owner} ({len(actions)})", refid=section_id)
        section = nodes.section(ids=[section_id])
        section += nodes.title(owner, owner)
        lines = [_open_action(a, ctx) for a in actions]
        written = list_html(lines) if ctx.html else None
        if written is None:
            section += nodes.bullet_list("", *(nodes.list_item("", line) for line in lines))
        else:
            section += written_html(written, " ".join(line.astext() for line in lines))
        sections.append(section)
    page += jump
    page.extend(sections)
    return page


def _unique_id(text: str, taken: set[str]) -> str:
    """A valid HTML id (no spaces, ASCII), unique among ``taken``."""
    base = nodes.make_id(text) or "owner"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    taken.add(found)
    return found


def _open_action(action: Action, ctx: RenderContext) -> nodes.paragraph:
    line = nodes.paragraph()
    line += ctx.link(action.docname, action.anchor, nodes.inline(action.title, action.title))
    if action.id:
        line += nodes.Text(" ")
        line += nodes.inline(action.id, f"({action.id})", classes=["pm-id"])
    line += nodes.Text(f" · due {action.due.isoformat()}" if action.due else " · no due date")
    if action.is_overdue(ctx.today):
        line += nodes.Text(" ")
        line += overdue_label()
    line += nodes.Text(f" · {action.status}")
    return line


class WrittenHtml(nodes.General, nodes.Element):
    """HTML that the extension wrote itself (table rows, lines of a list), for
    HTML builders only. Its one child is the text, which the search index reads:
    Sphinx would index raw HTML with its character references, ``amp``, ``quot``
    and all."""


def written_html(html: str, text: str) -> WrittenHtml:
    return WrittenHtml("", nodes.Text(text), html=html)


def _write_html(self: nodes.NodeVisitor, node: WrittenHtml) -> None:
    self.body.append(node["html"])  # type: ignore[attr-defined]
    raise nodes.SkipNode


def setup_render(app: Sphinx) -> None:
    handlers = {name: (_skip, None) for name in ("latex", "text", "man", "texinfo")}
    app.add_node(WrittenHtml, html=(_write_html, None), **handlers)  # type: ignore[arg-type]
    app.connect("doctree-resolved", fill_placeholders)
    app.connect("html-page-context", draw_open_actions)
    app.connect("html-collect-pages", empty_open_actions)


def _skip(self: nodes.NodeVisitor, node: nodes.Node) -> None:
    raise nodes.SkipNode


def register_placeholder(app: Sphinx, node_class: type[Placeholder]) -> None:
    """Add a placeholder class; writers skip any that were somehow left unfilled."""
    handlers = {name: (_skip, None) for name in ("html", "latex", "text", "man", "texinfo")}
    app.add_node(node_class, **handlers)  # type: ignore[arg-type]


# -- shared pieces of output -------------------------------------------------------


def anchor(placeholder: Placeholder) -> nodes.target:
    """The link target of a block: a target node, which every writer labels.

    It is the only node that carries the placeholder's ids (HTML, LaTeX and
    text writers all label a target; LaTeX would not label a container).
    """
    return nodes.target("", "", ids=placeholder["ids"])


def badge(value: str | None, kind: str) -> nodes.Node | None:
    """A severity or status as a coloured label that still reads as text."""
    if value is None:
        return None
    slug = nodes.make_id(value)
    return nodes.inline(value, value, classes=["pm-badge", kind, f"{kind}-{slug}"])


def overdue_label() -> nodes.inline:
    return nodes.inline("overdue", "overdue", classes=["pm-overdue-label"])


def tracker_link(action: Action) -> nodes.Node | None:
    """An action's tracker: a link where there is a URL, else the key as text."""
    if action.tracker is None:
        return None
    if action.tracker_url is None:
        return nodes.literal(action.tracker, action.tracker)
    return nodes.reference(action.tracker, action.tracker, refuri=action.tracker_url)


def field_list(rows: Sequence[tuple[str, nodes.Node | str | None]]) -> nodes.field_list:
    """A field list of (name, value); rows without a value are left out."""
    fields = nodes.field_list(classes=["pm-fields"])
    for name, value in rows:
        if value is None or value == "":
            continue
        body = nodes.paragraph()
        body += nodes.Text(value) if isinstance(value, str) else value
        fields += nodes.field("", nodes.field_name(name, name), nodes.field_body("", body))
    return fields


def meta_line(rows: Sequence[tuple[str, nodes.Node | str | None]]) -> nodes.paragraph:
    """``Name: value · Name: value`` on one line; rows without a value are left out.

    Lighter than a field list, for blocks that a page repeats many times.
    """
    line = nodes.paragraph(classes=["pm-meta"])
    text: list[str] = []  # runs of text go in as one node: fewer nodes on every page
    for name, value in rows:
        if value is None or value == "":
            continue
        text.append(f" · {name}: " if text or len(line) else f"{name}: ")
        if isinstance(value, str):
            text.append(value)
            continue
        line += nodes.Text("".join(text))
        line += value
        text = []
    if text:
        line += nodes.Text("".join(text))
    return line


def table(
    headers: Sequence[str],
    rows: Sequence[tuple[Sequence[nodes.Node | str], Sequence[str]]],
    classes: Sequence[str],
    widths: Sequence[int] | None = None,
    columns: Sequence[str] = (),
    html: bool = False,
) -> nodes.table:
    """A table of cells; each row comes with the CSS classes of its ``<tr>``.

    ``columns`` names the columns, for a ``pm-col-<name>`` class on each cell.
    ``html``, for a page an HTML writer writes: text goes straight into its
    cell, without the paragraph docutils would wrap it in (the text writer
    would split it into characters), and the rows are written as one piece of
    HTML by :func:`rows_html` where it can write them. A table of a thousand
    rows is then not tens of thousands of nodes to build, write and keep until
    the page is written (benchmarks/README.md).
    """
    body = nodes.tbody()
    written = rows_html(rows, columns) if html else None
    if written is not None:
        text = " ".join(_astext(cell) for cells, _ in rows for cell in cells)
        body += written_html(written, text)  # the text is for the search index
        rows = []  # HTML sizes the columns to their content (colwidths-auto)
    if widths is None:
        # as wide as the widest cell, within reason: the text writer takes
        # these as characters and LaTeX as proportions
        widths = [
            min(max([len(header)] + [_width(cells[i]) for cells, _ in rows]), 40) + 2
            for i, header in enumerate(headers)
        ]
    tgroup = nodes.tgroup(cols=len(headers))
    for width in widths:
        tgroup += nodes.colspec(colwidth=width)
    head_row = nodes.row()
    for header in headers:
        head_row += nodes.entry("", _text(header, html))
    tgroup += nodes.thead("", head_row)
    for cells, row_classes in rows:
        row = nodes.row(classes=list(row_classes))
        for i, cell in enumerate(cells):
            if isinstance(cell, nodes.entry):  # a cell that brings its own entry
                row += cell
                continue
            entry = nodes.entry(classes=[f"pm-col-{columns[i]}"] if columns else [])
            if isinstance(cell, str):
                entry += _text(cell, html)
            elif isinstance(cell, nodes.Inline):  # a link wants a text element around it
                entry += nodes.paragraph("", "", cell)
            else:
                entry += cell
            row += entry
        body += row
    tgroup += body
    # colwidths-auto lets HTML size columns to their content; the widths
    # still shape the plain-text and LaTeX output.
    return nodes.table("", tgroup, classes=["pm-table", "colwidths-auto", *classes])


#: what the HTML writer escapes in text and attribute values (docutils' ``encode``)
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", ">": "&gt;", "@": "&#64;"})
#: attributes that a cell's node may carry empty and still be written here
_PLAIN_ATTRIBUTES = frozenset(nodes.Element.list_attributes)


def rows_html(
    rows: Sequence[tuple[Sequence[nodes.Node | str], Sequence[str]]], columns: Sequence[str]
) -> str | None:
    """A table's body rows as the HTML writer would write them, or None.

    A table of records on an HTML page is its text and links: written here as
    one string, its thousand rows are not tens of thousands of nodes that the
    page keeps until it is written, and that every collection of the garbage
    collector walks meanwhile (benchmarks/README.md). The rows are striped
    ``row-even``, ``row-odd`` after the header row, as Sphinx stripes them.
    A cell is text, a node :func:`_node_html` writes, or an ``entry`` of such
    nodes. None when a cell holds anything else: the caller then draws the
    rows as nodes.
    """
    out: list[str] = []
    for number, (cells, row_classes) in enumerate(rows):
        stripe = "row-even" if number % 2 == 0 else "row-odd"
        out.append(f'<tr class="{" ".join([*row_classes, stripe])}">')
        for i, cell in enumerate(cells):
            if isinstance(cell, nodes.entry):
                classes = cell["classes"]
                written = _children_html(cell) if _plain(cell) else None
            else:
                classes = [f"pm-col-{columns[i]}"] if columns else []
                written = _node_html(cell)
            if written is None:
                return None
            out.append(f'<td class="{" ".join(classes)}">' if classes else "<td>")
            out.append(written)
            out.append("</td>\n")
        out.append("</tr>\n")
    return "".join(out)


def list_html(lines: Sequence[nodes.paragraph]) -> str | None:
    """A bullet list of one-paragraph items as the HTML writer writes it, or
    None (see :func:`rows_html`)."""
    out = ['<ul class="simple">\n']
    for line in lines:
        if not _plain(line) or line["classes"]:
            return None
        inner = _inner(line)
        if inner is None:
            return None
        out.append(f"<li><p>{inner}</p></li>\n")
    out.append("</ul>\n")
    return "".join(out)


def _plain(node: nodes.Element, *allowed: str) -> bool:
    """No attributes but classes (and those ``allowed``): nothing else to write."""
    attributes = node.attributes
    if attributes.keys() - _PLAIN_ATTRIBUTES - set(allowed):
        return False
    return not any(attributes.get(name) for name in ("ids", "names"))


def _children_html(node: nodes.Element) -> str | None:
    """A cell's children as the writer writes them: a paragraph that is the only
    child of a table cell is not followed by a line break."""
    out = []
    alone = len(node.children) == 1
    for child in node.children:
        written = _node_html(child)
        if written is None:
            return None
        out.append(written if alone or not isinstance(child, nodes.paragraph) else written + "\n")
    return "".join(out)


def _inner(node: nodes.Element, literal: bool = False) -> str | None:
    inner = [_node_html(child, literal) for child in node.children]
    return None if None in inner else "".join(inner)  # type: ignore[arg-type]


#: the words and spaces of literal text, as the HTML writer splits them
_WORDS_AND_SPACES = re.compile(r"[^ \n]+| +|\n")
#: paragraphs and inline markup written as their tag, with their classes
_TAGS: dict[type[nodes.Node], str] = {
    nodes.inline: "span",
    nodes.strong: "strong",
    nodes.emphasis: "em",
    nodes.paragraph: "p",
}


def _literal_text(text: str) -> str:
    """Literal text as Sphinx's HTML writer writes it: each word unbreakable."""
    out = []
    for token in _WORDS_AND_SPACES.findall(text.translate(_HTML_ESCAPES)):
        if token.strip():
            out.append(f'<span class="pre">{token}</span>')
        elif token in {" ", "\n"}:
            out.append(token)
        else:
            out.append("&#160;" * (len(token) - 1) + " ")
    return "".join(out)


def _node_html(node: nodes.Node | str, literal: bool = False) -> str | None:
    """Text, a paragraph, inline markup (span, strong, emphasis, code) or an
    internal or external link, as the HTML writer writes it; None for anything
    else, or for anything with an id."""
    if isinstance(node, str):  # nodes.Text too
        return _literal_text(node) if literal else node.translate(_HTML_ESCAPES)
    if not isinstance(node, nodes.Element):
        return None
    tag = _TAGS.get(type(node))
    if tag is not None:
        inner = _inner(node, literal) if _plain(node) else None
        if inner is None:
            return None
        classes = " ".join(node["classes"])
        return f'<{tag} class="{classes}">{inner}</{tag}>' if classes else f"<{tag}>{inner}</{tag}>"
    if type(node) is nodes.literal:
        if node["classes"] or not _plain(node):  # code styled by a role, or highlighted
            return None
        inner = _inner(node, literal=True)
        return (
            None if inner is None else f'<code class="docutils literal notranslate">{inner}</code>'
        )
    if type(node) is not nodes.reference or node["classes"]:
        return None  # the writer puts a link's own classes first: not written here
    inner = _inner(node, literal) if _plain(node, "refuri", "refid", "internal") else None
    if inner is None:
        return None
    if "refuri" in node:
        if node["refuri"].startswith("mailto:"):
            return None  # the writer hides the address from harvesters its own way
        href = (node["refuri"] or "#").translate(_HTML_ESCAPES)
        kind = "internal" if node.get("internal") else "external"
    elif "refid" in node:
        href, kind = "#" + node["refid"].translate(_HTML_ESCAPES), "internal"
    else:
        return None
    return f'<a class="reference {kind}" href="{href}">{inner}</a>'


def _text(text: str, bare: bool) -> nodes.Node:
    return nodes.Text(text) if bare else nodes.paragraph(text, text)


def _astext(cell: nodes.Node | str) -> str:
    return cell if isinstance(cell, str) else cell.astext()


def _width(cell: nodes.Node | str) -> int:
    return len(_astext(cell))


def format_instant(when: dt.datetime, tz: dt.tzinfo, with_date: bool = True) -> str:
    local = when.astimezone(tz)
    clock = "%H:%M:%S" if local.second else "%H:%M"
    shown = local.strftime(f"%Y-%m-%d {clock}" if with_date else clock)
    return f"{shown} {local.tzname()}" if with_date else shown


def format_duration(delta: dt.timedelta | None) -> str:
    """``1 h 3 min``, ``2 d 4 h``, ``45 s``; an empty string for an unknown one."""
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return sign + (" ".join(shown) or "0 min")
