"""The ``postmortem`` domain: the store of records, their ids, references and index.

Follows the shape of ``sphinx.ext.todo``: data is kept per document, cleared
and merged per document (a parallel worker's data is copied only for the
documents that worker read). Unlike ``todo`` it keeps plain records, never
nodes, and it tells Sphinx which pages to write again when a record they show
changed (see :meth:`pages_to_rewrite`). The directives fill the store; what
happens once a document is read is in ``collect``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.domains import Domain, Index, IndexEntry, ObjType
from sphinx.roles import XRefRole
from sphinx.util.nodes import make_refnode

from .commits import History, changed_actions
from .config import today
from .diagnostics import Location, at, warn
from .records import Action, Incident, Timeline

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

#: the per-document parts of the domain data
PER_DOC = ("incidents", "timelines", "actions", "tables", "filters", "refs")


@dataclass(frozen=True, slots=True)
class TableFilter:
    """A table's filter on free names (owners, incidents, services, tags).

    Kept with its place so that a name no record has, a typo that leaves the
    table empty, is reported once every document is read.
    """

    directive: str  # action-table or incident-table
    records: str  # what it filters: "action" or "incident"
    option: str  # as written, such as "service"
    column: str  # the column it filters, such as "services"
    values: tuple[str, ...]
    docname: str
    line: int | None
    source: str | None = None

    @property
    def where(self) -> Location:
        return at(self.source, self.line, self.docname)


class PostmortemRole(XRefRole):
    """``:incident:`` and ``:action:``, with or without the ``postmortem:`` prefix."""

    def __init__(self) -> None:
        # Titles are prose, not code: shown as plain text, not a literal.
        super().__init__(innernodeclass=nodes.inline, warn_dangling=True)

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.refdomain, self.reftype = "postmortem", self.name.rpartition(":")[2]
        self.classes = ["xref", "postmortem", f"postmortem-{self.reftype}"]
        return self.create_xref_node()


#: the owner under which the open-actions page lists an action that has none
NO_OWNER = "(no owner)"


class OpenActionsIndex(Index):
    """A page of every open action, grouped by owner, written by every HTML build.

    Link to it with ``:ref:`postmortem-actions```. HTML builds draw the page
    themselves (``render.draw_open_actions``), not with the theme's index
    template; the entries here serve any other reader of the domain's indices.
    """

    name = "actions"
    localname = "Open actions"
    shortname = "open actions"

    def generate(
        self, docnames: Iterable[str] | None = None
    ) -> tuple[list[tuple[str, list[IndexEntry]]], bool]:
        domain = cast("PostmortemDomain", self.domain)
        day = today(domain.env.config)
        content = []
        for owner, actions in domain.open_actions_by_owner():
            entries = []
            for action in actions:
                extra = f"due {action.due.isoformat()}" if action.due else "no due date"
                if action.is_overdue(day):
                    extra += ", OVERDUE"
                entries.append(
                    IndexEntry(
                        action.title,
                        0,
                        action.docname,
                        action.anchor,
                        extra,
                        action.id or "",
                        action.status,
                    )
                )
            content.append((owner, entries))
        return content, False


class PostmortemDomain(Domain):
    name = "postmortem"
    label = "Post-mortem"
    object_types: ClassVar[dict[str, ObjType]] = {
        "incident": ObjType("incident", "incident"),
        "action": ObjType("action", "action"),
    }
    roles: ClassVar[dict[str, Any]] = {
        "incident": PostmortemRole(),
        "action": PostmortemRole(),
    }
    initial_data: ClassVar[dict[str, Any]] = {
        "incidents": {},  # docname -> Incident
        "timelines": {},  # docname -> [Timeline]
        "actions": {},  # docname -> [Action]
        "tables": {},  # docname -> number of tables on the page
        "filters": {},  # docname -> [TableFilter]
        "refs": {},  # docname -> True when the page refers to a record
        "state": {},  # what the last build showed: "fingerprint", "today", "navigation"
        "history": None,  # the commits the git history ties to actions
    }
    #: the layout of the records (records.py): a new one makes Sphinx read every
    #: document again instead of unpickling records of the old layout
    data_version = 6
    indices: ClassVar[list[type[Index]]] = [OpenActionsIndex]

    def drop_index_if_off(self) -> None:
        """``postmortem_action_index = False``: no page, and no ``:ref:`` target for it."""
        if self.env.config.postmortem_action_index:
            return
        self.indices = []  # type: ignore[misc]  # as Domain.__init__ does
        std = self.env.get_domain("std")
        for labels in (std.data["labels"], std.data["anonlabels"]):
            labels.pop(f"{self.name}-{OpenActionsIndex.name}", None)

    # -- per-document data ---------------------------------------------------

    @property
    def incidents(self) -> dict[str, Incident]:
        return cast("dict[str, Incident]", self.data["incidents"])

    @property
    def timelines(self) -> dict[str, list[Timeline]]:
        return cast("dict[str, list[Timeline]]", self.data["timelines"])

    @property
    def actions(self) -> dict[str, list[Action]]:
        return cast("dict[str, list[Action]]", self.data["actions"])

    @property
    def tables(self) -> dict[str, int]:
        return cast("dict[str, int]", self.data["tables"])

    @property
    def filters(self) -> dict[str, list[TableFilter]]:
        return cast("dict[str, list[TableFilter]]", self.data["filters"])

    def clear_doc(self, docname: str) -> None:
        for key in PER_DOC:
            self.data[key].pop(docname, None)
        self._index = None

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for key in PER_DOC:
            theirs = otherdata[key]
            for docname in docnames:
                if docname in theirs:
                    self.data[key][docname] = theirs[docname]
        self._index = None

    def process_doc(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        """Note a page that refers to a record: it is written again when records change.

        What else happens once a document is read (tying its timeline and
        actions to its incident, the review) is in ``collect`` and ``review``.
        """
        if any(node.get("refdomain") == self.name for node in document.findall(pending_xref)):
            self.data["refs"][docname] = True
        self._index = None

    # -- the whole project -------------------------------------------------------

    _index: dict[str, dict[str, Incident | Action]] | None = None

    def _ids(self) -> dict[str, dict[str, Incident | Action]]:
        """Every id, mapped to its first record in sorted document order."""
        if self._index is None:
            index: dict[str, dict[str, Incident | Action]] = {"incident": {}, "action": {}}
            for record in self.records():
                kind = "incident" if isinstance(record, Incident) else "action"
                if record.id is not None:
                    index[kind].setdefault(record.id, record)
            self._index = index
        return self._index

    def records(self) -> Iterator[Incident | Action]:
        """Every incident and action, in sorted document order."""
        for docname in sorted(self.incidents.keys() | self.actions.keys()):
            if docname in self.incidents:
                yield self.incidents[docname]
            yield from self.actions.get(docname, ())

    def incident(self, incident_id: str) -> Incident | None:
        return cast("Incident | None", self._ids()["incident"].get(incident_id))

    def action(self, action_id: str) -> Action | None:
        return cast("Action | None", self._ids()["action"].get(action_id))

    def all_incidents(self) -> list[Incident]:
        return [self.incidents[d] for d in sorted(self.incidents)]

    def all_actions(self) -> list[Action]:
        return [a for d in sorted(self.actions) for a in self.actions[d]]

    def open_actions_by_owner(self) -> list[tuple[str, list[Action]]]:
        """Open and in-progress actions by owner (owners by name), each by due date."""
        groups: dict[str, list[Action]] = {}
        actions = sorted(
            (a for a in self.all_actions() if a.is_open),
            key=lambda a: (a.due or dt.date.max, a.id or ""),
        )
        for action in actions:
            groups.setdefault(action.owner or NO_OWNER, []).append(action)
        return sorted(groups.items(), key=lambda group: group[0].casefold())

    def check_consistency(self) -> None:
        """Warn about duplicate ids, at the later occurrence, once all documents are read."""
        first: dict[tuple[str, str], Incident | Action] = {}
        for record in self.records():
            if record.id is None:
                continue
            kind = "incident" if isinstance(record, Incident) else "action"
            earlier = first.setdefault((kind, record.id), record)
            if earlier is not record:
                first_file = os.path.abspath(earlier.source or self.env.doc2path(earlier.docname))
                warn(
                    "duplicate",
                    f"duplicate {kind} id {record.id!r}: first defined at "
                    f"{first_file}:{earlier.line}",
                    record.where,
                )

    # -- commits -------------------------------------------------------------------

    @property
    def history(self) -> History | None:
        return cast("History | None", self.data.get("history"))

    def note_history(self, history: History | None) -> None:
        """Keep this build's history; the pages of actions whose commits changed are
        written again (see :meth:`pages_to_rewrite`)."""
        changed = changed_actions(self.history, history)
        self.data["state"]["commits_changed"] = changed
        self.data["history"] = history

    # -- incremental builds ----------------------------------------------------

    def fingerprint(self) -> str:
        """A digest of every record a table or a reference can show."""
        digest = hashlib.blake2b(digest_size=16)
        for record in self.records():
            digest.update(repr(record).encode())
        return digest.hexdigest()

    def navigation(self) -> str:
        """A digest of what a page's menu shows of the post-mortems: each one's
        document and title."""
        digest = hashlib.blake2b(digest_size=16)
        for docname, incident in sorted(self.incidents.items()):
            digest.update(f"{docname}\0{incident.title}\0".encode())
        return digest.hexdigest()

    def pages_to_rewrite(self, env: BuildEnvironment) -> list[str]:
        """Pages whose content depends on records in other documents, or on today.

        Tables and references show records of other documents, so they are
        rewritten whenever any record changed; pages that show "overdue" are
        rewritten whenever the date changed. Their doctrees hold placeholders
        only, filled from the records when written, so nothing is re-read.
        When a post-mortem was added or deleted, or its title changed, every
        page is written again: each page's menu (the toctree in the sidebar)
        lists the post-mortems, and Sphinx writes only the pages that changed.
        """
        state = self.data["state"]
        fingerprint, day = self.fingerprint(), today(env.config).isoformat()
        navigation = self.navigation()
        pages: set[str] = set()
        if state.get("navigation") != navigation:
            pages.update(env.found_docs)
        if state.get("fingerprint") != fingerprint:
            pages.update(self.tables, self.data["refs"])
        if state.get("today") != day:
            pages.update(self.tables, self.actions)
        changed = state.pop("commits_changed", set())
        if changed:
            pages.update(a.docname for a in self.all_actions() if a.id in changed)
        state.update(fingerprint=fingerprint, today=day, navigation=navigation)
        return sorted(pages & env.found_docs)

    # -- references --------------------------------------------------------------

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        record: Incident | Action | None
        record = self.incident(target) if typ == "incident" else self.action(target)
        if record is None:  # intersphinx may still resolve it; see warn_unresolved
            return None
        if not node.get("refexplicit"):
            contnode = nodes.inline("", record.title or target, classes=contnode["classes"])
        return make_refnode(builder, fromdocname, record.docname, record.anchor, contnode, target)

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        results = []
        for typ, record in (("incident", self.incident(target)), ("action", self.action(target))):
            if record is not None:
                ref = make_refnode(
                    builder, fromdocname, record.docname, record.anchor, contnode, target
                )
                results.append((f"postmortem:{typ}", ref))
        return results

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        for kind, records in self._ids().items():
            for record_id, record in records.items():
                yield record_id, record.title or record_id, kind, record.docname, record.anchor, 1


def get_domain(env: BuildEnvironment) -> PostmortemDomain:
    return cast("PostmortemDomain", env.get_domain(PostmortemDomain.name))


def _rewrite(app: Any, env: BuildEnvironment) -> list[str]:
    return get_domain(env).pages_to_rewrite(env)


def warn_unresolved(app: Any, domain: Domain | None, node: pending_xref) -> bool | None:
    """Our own located warning for a reference nothing resolved, intersphinx included."""
    if domain is None or domain.name != PostmortemDomain.name:
        return None
    warn("ref", f"unknown {node['reftype']} {node['reftarget']!r}", node)
    return True


def _configure_index(app: Any) -> None:
    get_domain(app.env).drop_index_if_off()


def setup_domain(app: Sphinx) -> None:
    app.add_domain(PostmortemDomain)
    app.add_role("incident", PostmortemRole())
    app.add_role("action", PostmortemRole())
    app.connect("env-get-updated", _rewrite)
    app.connect("warn-missing-reference", warn_unresolved)
    app.connect("builder-inited", _configure_index)
