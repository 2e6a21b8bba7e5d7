"""The ``action`` directive: a follow-up with an owner and a due date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_id

from .config import ACTION_STATUSES, Settings
from .diagnostics import warn
from .domain import get_domain
from .fields import parse_action_id, parse_choice, parse_date, parse_tracker
from .incident import FieldReader
from .records import Action, Incident
from .render import Placeholder, RenderContext, anchor, meta_line, register_placeholder

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

OPTIONS = ("id", "owner", "due", "status", "priority", "type", "tracker", "completed")


class ActionDirective(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = dict.fromkeys(OPTIONS, directives.unchanged)

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        settings = Settings.of(self.config)
        title = " ".join(self.arguments[0].split())
        read = FieldReader(self, "action", f"action {title!r}")
        action = Action(
            docname=docname,
            line=read.line,
            source=read.source,
            title=title,
            id=read.get("id", parse_action_id, None),
            owner=read.get("owner", str.strip, None, required=True),
            due=read.get("due", parse_date, None, required=True),
            status=read.get("status", lambda v: parse_choice(v, ACTION_STATUSES), "open"),
            priority=read.get(
                "priority",
                lambda v: parse_choice(v, settings.priorities),
                settings.default_priority,
            ),
            type=read.get("type", lambda v: parse_choice(v, settings.action_types), None),
            completed=read.get("completed", parse_date, None),
        )
        no_tracker: tuple[str | None, str | None] = (None, None)
        action.tracker, action.tracker_url = read.get(
            "tracker", lambda v: parse_tracker(v, settings.tracker_url), no_tracker
        )
        if action.completed is not None and action.status != "done":
            read.warn(f":completed: is given but the status is {action.status!r}, not 'done'")
        actions = get_domain(self.env).actions.setdefault(docname, [])
        actions.append(action)
        node = ActionBlock("", *self.parse_content_to_nodes(), docname=docname)
        node["index"] = len(actions) - 1
        self.set_source_info(node)
        return [node]


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


class ActionBlock(Placeholder):
    """An action's title, fields and status, then its description."""

    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        action = ctx.domain.actions[self["docname"]][self["index"]]
        overdue = action.is_overdue(ctx.today)
        classes = ["pm-action", f"pm-status-{action.status}"]
        block = nodes.container(classes=classes + ["pm-overdue"] * overdue)
        block += anchor(self)
        header = nodes.paragraph(classes=["pm-action-title"])
        header += nodes.strong(action.title, action.title)
        if action.id:
            header += nodes.Text(" ")
            header += nodes.inline(action.id, f"({action.id})", classes=["pm-id"])
        if overdue:
            header += nodes.Text(" ")
            header += overdue_label()
        block += header
        block += meta_line(
            [
                ("Owner", action.owner),
                ("Due", action.due.isoformat() if action.due else None),
                ("Status", action.status),
                ("Priority", action.priority),
                ("Type", action.type),
                ("Tracker", tracker_link(action)),
                ("Completed", action.completed.isoformat() if action.completed else None),
            ]
        )
        block += self.children
        return [block]


def overdue_label() -> nodes.inline:
    return nodes.inline("overdue", "overdue", classes=["pm-overdue-label"])


def tracker_link(action: Action) -> nodes.Node | None:
    if action.tracker is None:
        return None
    if action.tracker_url is None:
        return nodes.literal(action.tracker, action.tracker)
    return nodes.reference(action.tracker, action.tracker, refuri=action.tracker_url)


def check_overdue(app: Sphinx, env: BuildEnvironment) -> None:
    """One warning per overdue action, so that a team can gate its CI on them."""
    from .config import today

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


def setup_action(app: Sphinx) -> None:
    register_placeholder(app, ActionBlock)
    app.add_directive("action", ActionDirective)
    app.connect("env-check-consistency", check_overdue)
