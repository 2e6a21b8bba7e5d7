"""The build reviews each post-mortem as an experienced facilitator would.

Three checks, each with its own warning subtype:

- ``blame``: blame language in the prose (counterfactuals, judgements of
  character, minimisers, animated language, blame verbs) and people named in
  the root-cause or trigger sections;
- ``structure``: the sections, timeline, times and actions that a post-mortem
  of its status needs;
- ``action-quality``: vague action titles, and actions with several owners.

Only documents holding an incident are reviewed. Literal text, code,
quotations and anything marked with one of ``postmortem_review_skip_classes``
are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from docutils import nodes

from .collect import PRIORITY
from .diagnostics import at, warn
from .domain import get_domain
from .records import Action, Incident, Timeline

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: term -> a neutral way to say it, by category
DEFAULT_TERMS: dict[str, dict[str, str]] = {
    "counterfactual": {
        "should have": "say what happened and what made it the reasonable choice at the time",
        "should've": "say what happened and what made it the reasonable choice at the time",
        "could have": "describe what happened, not what might have happened",
        "failed to": "describe what the person saw and did, and what the system allowed",
        "forgot to": "describe which step nothing reminded or forced, and why",
        "neglected to": "describe which step nothing reminded or forced, and why",
        "didn't follow": "describe what the process asked for and what made it hard to follow",
        "did not follow": "describe what the process asked for and what made it hard to follow",
    },
    "judgement": {
        "careless": "describe the conditions, not the character",
        "sloppy": "describe the conditions, not the character",
        "negligent": "describe the conditions, not the character",
        "lazy": "describe the conditions, not the character",
        "incompetent": "describe the conditions, not the character",
        "human error": "name the condition that let a normal action cause harm",
        "operator error": "name the condition that let a normal action cause harm",
        "user error": "name the condition that let a normal action cause harm",
        "fat-finger": "say which input was accepted and what would have checked it",
        "fat-fingered": "say which input was accepted and what would have checked it",
    },
    "minimiser": {
        "obviously": "leave it out: what is obvious now was not obvious then",
        "simply": "leave it out, or say what the step involves",
        "just": "leave it out, or say what the step involves",
        "of course": "leave it out: what is obvious now was not obvious then",
    },
    "animated": {
        "!": "state it plainly, with a full stop",
        "ridiculous": "state the fact and its effect",
        "insane": "state the fact and its effect",
        "crazy": "state the fact and its effect",
        "stupid": "state the fact and its effect",
    },
    "blame": {
        "blame": "describe the contributing conditions",
        "blamed": "describe the contributing conditions",
        "blaming": "describe the contributing conditions",
        "fault of": "describe the contributing conditions",
        "at fault": "describe the contributing conditions",
    },
}

#: terms that blame only when a person is their subject ("the deploy failed to
#: start" is a fact about a system)
PERSON_SUBJECT = frozenset({"failed to", "could have", "didn't follow", "did not follow"})
PERSON_WORDS = frozenset(
    """i we he she they you me us him her them engineer engineers operator operators
    developer developers admin admins administrator sre sres on-call oncall team staff
    someone somebody nobody person people reviewer reviewers manager author responder
    responders who""".split()
)
#: "just" as time or amount, not as a minimiser: "just after midnight", "had just"
JUST_TIME_NEXT = frozenset(
    """after before as in now then over under enough about like a an one two three four
    five ten few minutes seconds hours once""".split()
)
JUST_TIME_PREVIOUS = frozenset(["had", "has", "have", "was", "were", "is", "are", "'d"])

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
        re.compile(r"\bbe\s+(more\s+)?(careful|vigilant|diligent|attentive)\b", re.I),
        "change the system so that extra care is not needed",
    ),
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


@dataclass(frozen=True)
class Hit:
    term: str
    category: str
    suggestion: str
    start: int


class BlameFinder:
    """Finds blame language in plain text: whole words, case-insensitive."""

    def __init__(self, terms: dict[str, dict[str, str]]) -> None:
        self.terms = {
            term.lower(): (category, suggestion)
            for category, entries in terms.items()
            for term, suggestion in entries.items()
        }
        words = sorted((t for t in self.terms if t != "!"), key=len, reverse=True)
        patterns = [re.escape(t).replace(r"\ ", r"\s+") for t in words]
        alternatives = "|".join(patterns) or r"(?!x)x"
        whole_word = rf"(?<![\w-])(?:{alternatives})(?![\w-])"
        # matching lowercased text without re.I is about three times faster;
        # re.I stays for the rare text whose length lowercasing changes
        self.lower_pattern = re.compile(whole_word)
        self.pattern = re.compile(whole_word, re.I)
        self.exclamation = "!" in self.terms

    def find(self, text: str) -> Iterator[Hit]:
        text = text.replace("\u2019", "'")
        lowered = text.lower()
        matches = (
            self.lower_pattern.finditer(lowered)
            if len(lowered) == len(text)
            else self.pattern.finditer(text)
        )
        for match in matches:
            start, end = match.span()
            term = " ".join(match[0].lower().split())
            if self._is_blame(term, text, start, end):
                category, suggestion = self.terms[term]
                yield Hit(text[start:end], category, suggestion, start)
        if self.exclamation and "!" in text:
            category, suggestion = self.terms["!"]
            for match in re.finditer(r"(?<=[\w)\"'])!+(?=\s|$)", text):
                yield Hit(match[0], category, suggestion, match.start())

    @staticmethod
    def _is_blame(term: str, text: str, start: int, end: int) -> bool:
        before = re.findall(r"[\w'-]+", text[:start].lower())[-3:]
        if term in PERSON_SUBJECT:
            return any(word in PERSON_WORDS for word in before)
        if term == "just":
            after = re.match(r"\s*([\w']+)", text[end:])
            if after and (after[1].lower() in JUST_TIME_NEXT or after[1].isdigit()):
                return False
            return not (before and before[-1] in JUST_TIME_PREVIOUS)
        return True


@lru_cache(maxsize=8)
def _finder(key: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> BlameFinder:
    return BlameFinder({category: dict(entries) for category, entries in key})


def finder_for(config: Config) -> BlameFinder:
    """The finder for this configuration, built once per configuration."""
    terms = {category: dict(entries) for category, entries in DEFAULT_TERMS.items()}
    for category, extra in (config.postmortem_blame_terms).items():
        entries = extra if isinstance(extra, dict) else dict.fromkeys(extra, "")
        terms.setdefault(category, {}).update(entries)
    allowed = {term.lower() for term in config.postmortem_blame_allow}
    off = set(config.postmortem_blame_off)
    key = tuple(
        (category, tuple(sorted((t, s) for t, s in entries.items() if t.lower() not in allowed)))
        for category, entries in sorted(terms.items())
        if category not in off
    )
    return _finder(key)


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
        for hit in finder.find(action.title):
            advice = f"; {hit.suggestion}" if hit.suggestion else ""
            warn(
                "blame",
                f"blame language ({hit.category}) in an action title: {hit.term!r}{advice}",
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
        for hit in finder.find(text):
            line = base + text.count("\n", 0, hit.start) if base else None
            advice = f"; {hit.suggestion}" if hit.suggestion else ""
            where = at(element.source, line, docname)
            warn("blame", f"blame language ({hit.category}): {hit.term!r}{advice}", where)
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
    document: nodes.document,
    incident: Incident,
    timelines: list[Timeline],
    actions: list[Action],
) -> None:
    if incident.status == "draft":
        return
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
    check_structure(config, document, incident, timelines, actions)
    check_actions(actions)


def setup_review(app: Sphinx) -> None:
    # after collect: the review reads the incident's title, times and action ids
    app.connect("doctree-read", review, priority=PRIORITY + 100)
