"""What happens once a document is read, and once all are.

The directives record what they read, each on its own. When the whole
document is parsed (``doctree-read``), :func:`collect` ties its parts
together: the incident takes the document's title, the timelines are placed in
time and their milestones fill in the incident's times, the actions get their
incident, default ids and anchors, and the lifecycle is checked for order.
When every document is read (``env-check-consistency``), overdue actions are
reported. The review of the writing runs after :func:`collect` (see
``review``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util.nodes import make_id

from .action import ActionBlock
from .commits import problems, read_history
from .config import Settings, today
from .diagnostics import at, logger, warn
from .domain import get_domain
from .fields import FieldError, parse_timezone
from .records import MILESTONES, Action, Incident, Timeline, TimelineEntry

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

#: ``doctree-read`` handlers run in priority order: the review needs our work done
PRIORITY = 400


def collect(app: Sphinx, document: nodes.document) -> None:
    env = app.env
    docname = env.docname
    domain = get_domain(env)
    incident = domain.incidents.get(docname)
    if incident is not None:
        incident.title = document_title(document) or incident.id
    resolve_timelines(env, docname, incident, domain.timelines.get(docname, []))
    assign_action_ids(env, document, incident, domain.actions.get(docname, []))
    if incident is not None:
        check_lifecycle_order(incident)


def document_title(document: nodes.document) -> str:
    for section in document.findall(nodes.section):
        title = section.next_node(nodes.title)
        return title.astext() if title is not None else ""
    return ""


def resolve_timelines(
    env: BuildEnvironment, docname: str, incident: Incident | None, timelines: list[Timeline]
) -> None:
    """Place every entry in time and let milestones fill in the incident's times."""
    default_tz = incident.timezone if incident else Settings.of(env.config).timezone
    for timeline in timelines:
        if incident is None:
            warn(
                "timeline",
                "a timeline outside an incident's document",
                at(timeline.source, timeline.line, docname),
            )
        timeline.timezone = timeline.timezone or default_tz
        tz = parse_timezone(timeline.timezone)
        day = incident.date if incident else None
        previous = None
        for entry in timeline.entries:
            if entry.parsed is None:
                continue
            try:
                when = entry.parsed.resolve(day, tz)
            except FieldError as exc:
                warn("timeline", f"{entry.stamp}: {exc}", at(entry.source, entry.line, docname))
                continue
            if previous is not None and when < previous:
                advice = (
                    "write the date when the timeline crosses midnight"
                    if entry.parsed.day is None
                    else "entries must be in time order"
                )
                warn(
                    "timeline",
                    f"{entry.stamp} goes back in time from the entry before it; {advice}",
                    at(entry.source, entry.line, docname),
                )
            entry.when, previous = when, when
            day = when.astimezone(tz).date()
            if entry.milestone and incident is not None:
                apply_milestone(incident, entry)


def apply_milestone(incident: Incident, entry: TimelineEntry) -> None:
    assert entry.milestone is not None and entry.when is not None
    given = incident.times.setdefault(entry.milestone, entry.when)
    if given != entry.when:
        zone = parse_timezone(incident.timezone)
        warn(
            "timeline",
            f"[{entry.milestone}] at {entry.when.astimezone(zone).isoformat()} differs from "
            f"the incident's :{entry.milestone}: {given.astimezone(zone).isoformat()}",
            at(entry.source, entry.line, incident.docname),
        )


def assign_action_ids(
    env: BuildEnvironment,
    document: nodes.document,
    incident: Incident | None,
    actions: list[Action],
) -> None:
    """Give each action its incident, its default id and its anchor in the page."""
    blocks = {node["index"]: node for node in document.findall(ActionBlock)}
    for number, action in enumerate(actions, start=1):
        if incident is None:
            warn(
                "action",
                f"action {action.title!r} is outside an incident's document",
                action.where,
            )
        else:
            action.incident = incident.id
            action.id = action.id or f"{incident.id}-A{number}"
        node = blocks.get(number - 1)
        if node is not None:
            action.anchor = make_id(env, document, "", action.id or f"action-{number}")
            node["ids"] = [action.anchor]
            document.note_explicit_target(node)


def check_lifecycle_order(incident: Incident) -> None:
    """Lifecycle times must not go backwards: started <= detected <= mitigated <= resolved."""
    previous: tuple[str, dt.datetime] | None = None
    zone = parse_timezone(incident.timezone)
    for name in MILESTONES:
        when = incident.times.get(name)
        if when is None:
            continue
        if previous is not None and when < previous[1]:
            warn(
                "incident",
                f"{incident.id}: {name} ({when.astimezone(zone).isoformat()}) is before "
                f"{previous[0]} ({previous[1].astimezone(zone).isoformat()})",
                incident.where,
            )
        previous = (name, when)


def check_overdue(app: Sphinx, env: BuildEnvironment) -> None:
    """One warning per overdue action, so that a team can gate its CI on them."""
    day = today(env.config)
    for action in get_domain(env).all_actions():
        if action.is_overdue(day):
            assert action.due is not None
            warn(
                "overdue",
                f"action {action.id or action.title!r} ({action.owner}) was due "
                f"{action.due.isoformat()} and is still {action.status}",
                action.where,
            )


def read_commits(app: Sphinx) -> None:
    """Read the commit trailers once per build, before any document is read."""
    history = None
    if app.config.postmortem_git is not False:
        history = read_history(Path(app.srcdir))
        if history is None:
            logger.info(
                "sphinx-postmortem: no git history here (not a repository, or no git): "
                "actions show no commits"
            )
    get_domain(app.env).note_history(history)


def check_commits(app: Sphinx, env: BuildEnvironment) -> None:
    """A commit closed an action its page still has open, or names no action."""
    domain = get_domain(env)
    if domain.history is None:
        return
    actions = {a.id: a for a in domain.all_actions() if a.id is not None}
    for problem in problems(domain.history, actions):
        where = problem.action.where if problem.action else (None, None)
        warn("commit", problem.message, where)  # type: ignore[arg-type]


def setup_collect(app: Sphinx) -> None:
    app.connect("builder-inited", read_commits)
    app.connect("doctree-read", collect, priority=PRIORITY)
    app.connect("env-check-consistency", check_overdue)
    app.connect("env-check-consistency", check_commits)
