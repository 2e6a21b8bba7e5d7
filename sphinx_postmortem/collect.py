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
import re
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util.nodes import make_id

from .action import ActionBlock
from .commits import problems, read_history
from .config import Settings, today
from .diagnostics import Location, Subtype, at, logger, warn
from .domain import get_domain
from .fields import FieldError, parse_timezone
from .records import MILESTONES, Action, Incident, Timeline, TimelineEntry

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

#: ``doctree-read`` handlers run in priority order: the review needs our work done
PRIORITY = 400
#: a step back from this hour or later to before EARLY_MORNING looks like midnight
EVENING, EARLY_MORNING = 18, 6


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
    check_unread_fences(app, document)


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
        previous: TimelineEntry | None = None
        for entry in timeline.entries:
            if entry.head is None:
                continue
            placed = place(entry, day, tz, docname)
            entry.head = None  # read: the environment keeps the instants only
            if not placed:
                day = entry.day or day
                continue
            assert entry.when is not None
            if previous is not None and previous.when is not None and entry.when < previous.when:
                warn("timeline", out_of_order(entry, previous, tz), entry_at(entry, docname))
            previous, day = entry, entry.day
            if incident is not None:
                for milestone in entry.milestones:
                    apply_milestone(incident, entry, milestone)


def entry_at(entry: TimelineEntry, docname: str) -> Location:
    return at(entry.source, entry.line, docname)


def place(entry: TimelineEntry, day: dt.date | None, tz: dt.tzinfo, docname: str) -> bool:
    """Give the entry its instant (and a range its end); False when its time is not known."""
    assert entry.head is not None
    start, end = entry.head.start, entry.head.end
    if start is None:
        entry.day = entry.head.day or day
        for milestone in entry.milestones:
            warn(
                "timeline",
                f"[{milestone}] is on an entry whose time is not known ({entry.stamp}); "
                f"the incident's {milestone} time is not taken from it",
                entry_at(entry, docname),
            )
        return False
    try:
        entry.when = start.resolve(day, tz)
        own_day = entry.when.astimezone(start.offset or tz).date()
        if end is not None:
            entry.end = end.resolve(own_day, tz)
            if entry.end < entry.when and end.day is None:  # 23:30-00:15 ends the next day
                entry.end = end.resolve(own_day + dt.timedelta(days=1), tz)
    except FieldError as exc:
        warn("timeline", f"{entry.stamp}: {exc}", entry_at(entry, docname))
        entry.when = entry.end = None
        return False
    if entry.end is not None and entry.end < entry.when:
        warn(
            "timeline", f"{entry.stamp}: the range ends before it starts", entry_at(entry, docname)
        )
        entry.end = None
    entry.day = entry.when.astimezone(tz).date()
    return True


def out_of_order(entry: TimelineEntry, previous: TimelineEntry, tz: dt.tzinfo) -> str:
    """Say the entries are out of order; suggest a date only for a step back over midnight."""
    assert entry.when is not None and previous.when is not None
    now, before = entry.when.astimezone(tz), previous.when.astimezone(tz)
    message = (
        f"{entry.stamp} is earlier than the entry before it ({previous.stamp}): "
        "the entries are out of order"
    )
    if not entry.dated and before.hour >= EVENING and now.hour < EARLY_MORNING:
        next_day = (before.date() + dt.timedelta(days=1)).isoformat()
        clock = entry.stamp.lstrip("~\u2248 ")
        message += f"; if the timeline crossed midnight, write the date: {next_day} {clock}"
    return message


def apply_milestone(incident: Incident, entry: TimelineEntry, milestone: str) -> None:
    assert entry.when is not None
    given = incident.times.setdefault(milestone, entry.when)
    if given != entry.when:
        zone = parse_timezone(incident.timezone)
        warn(
            "timeline",
            f"[{milestone}] at {entry.when.astimezone(zone).isoformat()} differs from "
            f"the incident's :{milestone}: {given.astimezone(zone).isoformat()}",
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


#: the directives a fence that did not parse may have meant, with the warning each gives
FENCED: dict[str, Subtype] = {
    "incident": "incident",
    "timeline": "timeline",
    "action": "action",
    "action-table": "table",
    "incident-table": "table",
    "incident-metrics": "table",
}
_FENCE = re.compile(r"\s*(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[a-z-]+)\}")


def _may_be_fence(paragraph: nodes.Element) -> bool:
    """Whether a paragraph's start could be a fence: a backtick fence that did not
    parse starts with inline code; a colon fence with text, ':::'."""
    first = paragraph[0] if len(paragraph) else None
    if isinstance(first, nodes.literal):
        return True
    return isinstance(first, nodes.Text) and str(first).lstrip()[:1] in ("`", ":", "~")


def check_unread_fences(app: Sphinx, document: nodes.document) -> None:
    """A paragraph or code block that starts like one of our directives was not read as one.

    CommonMark ends a backtick fence's info string at a backtick, so
    ```` ```{action} Run `x` ```` is a paragraph (and its closing fence opens a
    code block that swallows what follows); ``:::`` needs MyST's colon_fence.
    """
    if str(app.env.doc2path(app.env.docname)).endswith(".rst"):  # a str in Sphinx 7.4
        return  # fences are MyST's
    colon_fence = "colon_fence" in getattr(app.config, "myst_enable_extensions", ())
    for node in document.findall(nodes.TextElement):
        is_code = isinstance(node, nodes.literal_block)
        if is_code:
            if node.get("language", "default") != "default":
                continue  # an example of the syntax, shown on purpose
        elif not isinstance(node, nodes.paragraph) or not _may_be_fence(node):
            continue
        found = _FENCE.match(node.astext())
        if found is None or found["name"] not in FENCED:
            continue
        name, fence = found["name"], found["fence"]
        how = (
            'add "colon_fence" to myst_enable_extensions in conf.py'
            if fence.startswith(":") and not colon_fence
            else f"write it as a colon fence, :::{{{name}}} ... ::: (with colon_fence enabled); "
            "a backtick fence's first line cannot hold a backtick"
        )
        kind = "code block" if is_code else "paragraph"
        cause = " (a fence above it did not parse)" if is_code else ""
        message = f"this {kind} starts like the {name} directive but was not read as one{cause}"
        warn(FENCED[name], f"{message}: {how}", node)


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
    incidents = [i.id for i in domain.all_incidents()]
    for problem in problems(domain.history, actions, incidents):
        where = problem.action.where if problem.action else (None, None)
        warn("commit", problem.message, where)  # type: ignore[arg-type]


def setup_collect(app: Sphinx) -> None:
    app.connect("builder-inited", read_commits)
    app.connect("doctree-read", collect, priority=PRIORITY)
    app.connect("env-check-consistency", check_overdue)
    app.connect("env-check-consistency", check_commits)
