"""The ``action`` directive: a follow-up with an owner and a due date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes

from .commits import CommitRef
from .config import ACTION_STATUSES
from .directive import Field, PostmortemDirective, choice, plain
from .domain import get_domain
from .fields import parse_action_id, parse_date, parse_tracker
from .records import Action
from .render import (
    Placeholder,
    RenderContext,
    anchor,
    meta_line,
    overdue_label,
    register_placeholder,
    tracker_link,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def _tracker(value: str, directive: PostmortemDirective) -> tuple[str, str | None]:
    return parse_tracker(value, directive.settings.tracker_url)


NO_TRACKER: tuple[str | None, str | None] = (None, None)


class ActionDirective(PostmortemDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    subtype = "action"
    fields: ClassVar[tuple[Field, ...]] = (
        Field(
            "id",
            "letters, digits, '-', '_' and '.'; default <incident>-A<n>",
            plain(parse_action_id),
        ),
        Field("owner", "the one team or person responsible", required=True),
        Field("due", "the date it is due, YYYY-MM-DD", plain(parse_date), required=True),
        Field(
            "status",
            "open, in-progress, done or wont-do",
            choice(lambda s: ACTION_STATUSES),
            default="open",
        ),
        Field(
            "priority",
            "one of postmortem_priorities",
            choice(lambda s: s.priorities),
            default=lambda s: s.default_priority,
        ),
        Field("type", "one of postmortem_action_types", choice(lambda s: s.action_types)),
        Field(
            "tracker",
            "an http(s) URL, or a key for postmortem_tracker_url",
            _tracker,
            default=NO_TRACKER,
        ),
        Field("completed", "the date a done action was finished", plain(parse_date)),
    )

    @property
    def subject(self) -> str:
        return f"action {self.title!r}"

    @property
    def title(self) -> str:
        return " ".join(self.arguments[0].split())

    def run(self) -> list[nodes.Node]:
        docname = self.env.docname
        domain = get_domain(self.env)
        incident = domain.incidents.get(docname)
        since = self.settings.track_since
        archived = bool(since and incident and incident.date and incident.date < since)
        self.lenient = archived
        values = self.read_fields()
        source, line = self.source_line
        action = Action(
            docname=docname,
            line=line,
            source=source,
            title=self.title,
            id=values["id"],
            owner=values["owner"],
            due=values["due"],
            status=values["status"],
            priority=values["priority"],
            type=values["type"],
            completed=values["completed"],
            archived=archived,
        )
        action.tracker, action.tracker_url = values["tracker"]
        if action.completed is not None and action.status != "done":
            self.warn(f":completed: is given but the status is {action.status!r}, not 'done'")
        actions = domain.actions.setdefault(docname, [])
        actions.append(action)
        node = ActionBlock("", *self.parse_content_to_nodes(), docname=docname)
        node["index"] = len(actions) - 1
        self.set_source_info(node)
        return [node]


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
        if action.archived:
            header += nodes.Text(" ")
            header += nodes.inline("archived", "archived", classes=["pm-archived-label"])
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
        commits = ctx.commits(action)
        if commits:
            block += commit_list(commits, ctx.settings.commit_url)
        block += self.children
        return [block]


def commit_list(commits: Sequence[CommitRef], url_format: str | None) -> nodes.paragraph:
    """``Commits: abc1234 2024-05-02 fix: alert at 80% (closes)``, newest first."""
    line = nodes.paragraph(classes=["pm-meta", "pm-commits"])
    line += nodes.Text("Commits: ")
    for n, commit in enumerate(commits):
        if n:
            line += nodes.Text(" · ")
        short = nodes.literal(commit.short, commit.short)
        if url_format:
            line += nodes.reference("", "", short, refuri=url_format.replace("{}", commit.sha))
        else:
            line += short
        kind = "closes" if commit.kind == "closes" else "refers to it"
        line += nodes.Text(f" {commit.date.isoformat()} {commit.subject} ({kind})")
    return line


def setup_action(app: Sphinx) -> None:
    register_placeholder(app, ActionBlock)
    app.add_directive("action", ActionDirective)
