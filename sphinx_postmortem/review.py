"""The build reviews each post-mortem as an experienced facilitator would.

Three checks, each with its own warning subtype:

- ``blame``: blame language in the prose and in action titles, found by
  ``blame.BlameFinder`` (who did what: counterfactuals about people,
  judgements, blame, exhortations, minimisers, animated language), and people
  named in the root-cause or trigger sections;
- ``structure``: the sections, timeline, times and actions that a post-mortem
  of its status needs;
- ``action-quality``: vague action titles, and actions with several owners.

Only documents holding an incident are reviewed. Literal text, code,
quotations and anything marked with one of ``postmortem_review_skip_classes``
are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from .blame import BlameFinder
from .collect import PRIORITY
from .diagnostics import at, warn
from .domain import get_domain
from .records import Action, Incident, Timeline

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: nodes whose text is not prose the writer owns
SKIPPED = (
    nodes.literal,
    nodes.literal_block,
    nodes.doctest_block,
    nodes.raw,
    nodes.comment,
    nodes.math,
    nodes.math_block,
    nodes.block_quote,
    nodes.target,
    nodes.substitution_definition,
    nodes.system_message,
)

CAUSE_SECTION = re.compile(r"root\s+cause|trigger|contributing\s+factor", re.I)

VAGUE_ACTIONS = (
    (
        re.compile(r"^\s*(improve|enhance|optimi[sz]e|strengthen)\b(?!.*\d)", re.I),
        "say what done looks like: a measurable end state",
    ),
    (re.compile(r"\bmake\b.*\bbetter\b", re.I), "say what 'better' means, measurably"),
    (
        re.compile(r"^\s*investigate(\s+(it|this|further|more))*\s*\.?\s*$", re.I),
        "say what the investigation decides, and by when",
    ),
    (
        re.compile(r"\binvestigate\s+further\b(?!.*\b(and|to|until|whether|if)\b)", re.I),
        "say what the investigation decides, and by when",
    ),
)
SEVERAL_OWNERS = re.compile(r",|/|&|\+|;|\band\b", re.I)

#: the shipped post-mortem templates, whose placeholder prose must not reach review
TEMPLATES = Path(__file__).with_name("templates")


def _normalised(text: str) -> str:
    """Words only: Sphinx turns ' into a curly quote and -- into a dash in the doctree."""
    return " ".join(re.sub(r"[^\w\s]", "", text).split()).casefold()


@lru_cache(maxsize=1)
def template_paragraphs() -> frozenset[str]:
    """The placeholder paragraphs of the shipped templates (emphasised), normalised."""
    found: set[str] = set()
    for name in ("incident.md", "incident.rst"):
        path = TEMPLATES / name
        if not path.is_file():
            continue
        for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
            text = block.strip()
            if len(text) > 2 and text[0] == text[-1] and text[0] in "_*":
                found.add(_normalised(text.strip("_*")))
    return frozenset(found)


def check_template_text(docname: str, document: nodes.document, status: str) -> None:
    """Each paragraph that still holds a template's placeholder (emphasised), at its line."""
    placeholders = template_paragraphs()
    # the placeholders are emphasised paragraphs: others cost one look at their children
    for emphasis in document.findall(nodes.emphasis):
        paragraph = emphasis.parent
        if not isinstance(paragraph, nodes.paragraph) or len(paragraph.children) != 1:
            continue
        if _normalised(paragraph.astext()) not in placeholders:
            continue
        section = paragraph.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        top = section is None or isinstance(section.parent, nodes.document)
        name = "the summary" if top else repr(section_title(paragraph))
        warn(
            "structure",
            f"{name} still holds the template text, and the post-mortem is {status}: "
            "write what happened in this incident, or delete the placeholder",
            at(paragraph.source, line_of(paragraph), docname),
        )


def _terms(value: Mapping[str, Any]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``postmortem_blame_terms`` as hashable data: a list of terms has no advice."""
    return tuple(
        (
            rule,
            tuple(
                sorted(
                    terms.items()
                    if isinstance(terms, Mapping)
                    else dict.fromkeys(terms, "").items()
                )
            ),
        )
        for rule, terms in sorted(value.items())
    )


@lru_cache(maxsize=8)
def _finder(
    terms: tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
    allow: tuple[str, ...],
    off: tuple[str, ...],
    people: tuple[str, ...],
    adverbs: tuple[str, ...],
) -> BlameFinder:
    return BlameFinder(
        extra_terms={rule: dict(entries) for rule, entries in terms},
        allow=allow,
        off=off,
        people=people,
        adverbs=adverbs,
    )


def finder_for(config: Config) -> BlameFinder:
    """The finder for this configuration, built once per configuration."""
    return _finder(
        _terms(config.postmortem_blame_terms),
        tuple(config.postmortem_blame_allow),
        tuple(config.postmortem_blame_off),
        tuple(config.postmortem_people),
        tuple(config.postmortem_blame_adverbs),
    )


# -- reading the prose of a document ------------------------------------------------


def prose(
    document: nodes.Node, skip_classes: frozenset[str]
) -> Iterator[tuple[nodes.Element, str]]:
    """Each text element the writer wrote, with its text (skipped parts blanked)."""

    def skipped(node: nodes.Node) -> bool:
        return isinstance(node, SKIPPED) or (
            isinstance(node, nodes.Element) and not skip_classes.isdisjoint(node["classes"])
        )

    def text_of(node: nodes.Node) -> Iterator[str]:
        for child in node.children:
            if isinstance(child, nodes.Text):
                yield str(child)
            elif skipped(child):
                yield re.sub(r"[^\n]", " ", child.astext())
            else:
                yield from text_of(child)

    stack: list[nodes.Node] = [document]
    while stack:
        node = stack.pop()
        if skipped(node):
            continue
        if isinstance(node, nodes.TextElement):
            yield node, "".join(text_of(node))
        elif isinstance(node, nodes.Element):
            stack.extend(reversed(node.children))


def line_of(element: nodes.Element) -> int | None:
    if isinstance(element, nodes.title) and str(element.source or "").endswith(".rst"):
        # docutils gives a reST title the line of its underline
        return (element.line or 1) - 1 or None
    node: nodes.Node | None = element
    while node is not None:
        if node.line:
            return node.line
        node = node.parent
    return None


def section_title(element: nodes.Node) -> str:
    node = element.parent
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    if node is None or not node.children or not isinstance(node[0], nodes.title):
        return ""
    return node[0].astext()


# -- the checks ------------------------------------------------------------------------


def check_language(
    config: Config,
    docname: str,
    document: nodes.document,
    incident: Incident,
    actions: list[Action],
    people: list[str],
) -> None:
    finder = finder_for(config)
    for action in actions:  # action titles are prose too, outside the doctree's text
        for hit in finder.find(action.title, incident.authors):
            advice = f"; {hit.suggestion}" if hit.suggestion else ""
            warn(
                "blame",
                f"blame language ({hit.rule}) in an action title: {hit.term!r}{advice}",
                action.where,
            )
    skip = frozenset(config.postmortem_review_skip_classes)
    names = [
        (name, re.compile(rf"(?<!\w){re.escape(name)}(?!\w)"))
        for name in sorted({*people, *incident.authors}, key=len, reverse=True)
        if name.strip()
    ]
    for element, text in prose(document, skip):
        base = line_of(element)
        for hit in finder.find(text, incident.authors):
            line = base + text.count("\n", 0, hit.start) if base else None
            advice = f"; {hit.suggestion}" if hit.suggestion else ""
            where = at(element.source, line, docname)
            warn("blame", f"blame language ({hit.rule}): {hit.term!r}{advice}", where)
        if names and CAUSE_SECTION.search(section_title(element)):
            for name, pattern in names:
                if match := pattern.search(text):
                    line = base + text.count("\n", 0, match.start()) if base else None
                    warn(
                        "blame",
                        f"{name!r} is named in {section_title(element)!r}: describe the "
                        "conditions in the system, not the person",
                        at(element.source, line, docname),
                    )


def check_structure(
    config: Config,
    docname: str,
    document: nodes.document,
    incident: Incident,
    timelines: list[Timeline],
    actions: list[Action],
) -> None:
    if incident.status == "draft":
        return
    check_template_text(docname, document, incident.status)
    final = incident.status == "final"
    required = (
        config.postmortem_required_sections if final else config.postmortem_in_review_sections
    )
    synonyms = {
        name.casefold(): {name.casefold(), *(s.casefold() for s in others)}
        for name, others in config.postmortem_section_synonyms.items()
    }
    titles = {" ".join(t.astext().split()).casefold() for t in document.findall(nodes.title)}
    missing = [
        name
        for name in required
        if titles.isdisjoint(synonyms.get(name.casefold(), {name.casefold()}))
    ]
    where = incident.where
    status = f"{incident.id} is {incident.status}"
    for name in missing:
        warn("structure", f"{status} but has no {name!r} section", where)
    if not actions:
        warn("structure", f"{status} but has no action", where)
    if not final:
        return
    if not timelines:
        warn("structure", f"{status} but has no timeline", where)
    if "resolved" not in incident.times:
        warn("structure", f"{status} but has no resolved time (:resolved: or [resolved])", where)
    if actions and not any(a.type in ("prevent", "mitigate") for a in actions):
        warn("structure", f"{status} but no action is of type prevent or mitigate", where)


def check_actions(actions: Iterable[Action]) -> None:
    for action in actions:
        where = action.where
        for pattern, advice in VAGUE_ACTIONS:
            if pattern.search(action.title):
                warn("action-quality", f"vague action {action.title!r}: {advice}", where)
                break
        if action.owner and SEVERAL_OWNERS.search(action.owner):
            warn(
                "action-quality",
                f"action {action.title!r} has several owners ({action.owner}): "
                "give it one owner, and name collaborators in its description",
                where,
            )


def review(app: Sphinx, document: nodes.document) -> None:
    """Review one document once it is read; documents without an incident are left alone."""
    config, docname = app.config, app.env.docname
    domain = get_domain(app.env)
    incident = domain.incidents.get(docname)
    if incident is None or not config.postmortem_review:
        return
    timelines = domain.timelines.get(docname, [])
    actions = domain.actions.get(docname, [])
    people = list(config.postmortem_people)
    check_language(config, docname, document, incident, actions, people)
    check_structure(config, docname, document, incident, timelines, actions)
    check_actions(actions)


def setup_review(app: Sphinx) -> None:
    # after collect: the review reads the incident's title, times and action ids
    app.connect("doctree-read", review, priority=PRIORITY + 100)
