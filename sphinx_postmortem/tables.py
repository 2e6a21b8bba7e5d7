"""``action-table`` and ``incident-table``: every matching record in the project.

Each directive reads its options into a :class:`~.query.Query` and leaves a
placeholder; when the page is written the query runs over the current records,
so the table is right after any build. Pages holding a table are rewritten
whenever any record changes (see ``PostmortemDomain.pages_to_rewrite``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes

from .config import ACTION_STATUSES, OPEN_STATUSES
from .diagnostics import warn
from .directive import Field, PostmortemDirective
from .domain import TableFilter, get_domain
from .query import (
    ACTION_COLUMNS,
    INCIDENT_COLUMNS,
    INCIDENT_FILTER_FIELDS,
    INCIDENT_FILTERS,
    Column,
    Query,
    QueryDirective,
    R,
    any_names,
    draw_table,
    names_in,
    nothing,
)
from .records import Action
from .render import Placeholder, RenderContext, register_placeholder

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment


def _sort_and_columns(columns: dict[str, Column[Any]]) -> tuple[Field, Field]:
    names = ", ".join(columns)
    return (
        Field("sort", f"columns to sort by, '-' before one for descending: {names}"),
        names_in("columns", f"the columns to show, in order: {names}", lambda s: tuple(columns)),
    )


class ActionTable(Placeholder):
    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        query: Query = self["query"]
        found = query.run(ctx.domain.all_actions(), ACTION_COLUMNS, ctx)
        if not found:
            return [nothing("actions", query)]

        def overdue(action: Action) -> list[str]:
            return ["pm-overdue"] if action.is_overdue(ctx.today) else []

        return [
            draw_table(found, query, ACTION_COLUMNS, ctx, ["pm-action-table"], row_classes=overdue)
        ]


class IncidentTable(Placeholder):
    def render(self, ctx: RenderContext) -> list[nodes.Node]:
        query: Query = self["query"]
        found = query.run(ctx.domain.all_incidents(), INCIDENT_COLUMNS, ctx)
        if not found:
            return [nothing("incidents", query)]
        return [draw_table(found, query, INCIDENT_COLUMNS, ctx, ["pm-incident-table"])]


_STATUSES = names_in("status", "", lambda s: ACTION_STATUSES)


def _statuses(value: str, directive: PostmortemDirective) -> tuple[str, ...] | None:
    """Action statuses, or ``all``."""
    if value.strip().casefold() == "all":
        return ("all",)
    return _STATUSES.parse(value, directive)  # type: ignore[no-any-return]


class ActionTableDirective(QueryDirective):
    placeholder = ActionTable
    columns = ACTION_COLUMNS
    default_columns = ("id", "action", "owner", "due", "status", "priority", "incident")
    default_sort = "due"
    filters: ClassVar[dict[str, str]] = {
        "status": "status",
        "severity": "severity",
        "type": "type",
        "priority": "priority",
        "owner": "owner",
        "incident": "incident",
    }
    fields: ClassVar[tuple[Field, ...]] = (
        Field("status", "statuses to show, or all (default: open, in-progress)", _statuses),
        any_names("owner", "only these owners"),
        any_names("incident", "only the actions of these incidents"),
        names_in(
            "severity", "only actions of incidents of these severities", lambda s: s.severities
        ),
        names_in("type", "only these action types", lambda s: s.action_types),
        names_in("priority", "only these priorities", lambda s: s.priorities),
        Field("overdue", "only overdue actions", flag=True),
        *_sort_and_columns(ACTION_COLUMNS),
    )

    def query(self) -> Query:
        query = super().query()
        statuses = query.filters.get("status")
        if statuses is None:
            query.filters = {"status": OPEN_STATUSES, **query.filters}
        elif "all" in statuses:
            del query.filters["status"]
        return query


class IncidentTableDirective(QueryDirective):
    placeholder = IncidentTable
    columns = INCIDENT_COLUMNS
    default_columns = ("id", "title", "date", "severity", "status", "ttr", "open-actions")
    default_sort = "-date"
    filters: ClassVar[dict[str, str]] = INCIDENT_FILTERS
    fields: ClassVar[tuple[Field, ...]] = (
        *INCIDENT_FILTER_FIELDS,
        *_sort_and_columns(INCIDENT_COLUMNS),
    )


def check_filters(app: Sphinx, env: BuildEnvironment) -> None:
    """A filter naming an owner, incident, service or tag that no record has.

    Such a table is empty or short with no sign why, most often from a typo;
    the names are known only once every document is read.
    """
    domain = get_domain(env)
    ctx = RenderContext(app.builder, "", domain)
    known: dict[tuple[str, str], set[str]] = {}
    for docname in sorted(domain.filters):
        for kept in domain.filters[docname]:
            names = known.get((kept.records, kept.column))
            if names is None:
                names = known[kept.records, kept.column] = _names(kept, ctx)
            for value in kept.values:
                if value not in names:
                    warn("table", _unknown(kept, value, names), kept.where)


def _names(kept: TableFilter, ctx: RenderContext) -> set[str]:
    """Every value the filtered column has in any record, whatever its status."""
    if kept.records == "action":
        return _values(ctx.domain.all_actions(), ACTION_COLUMNS[kept.column], ctx)
    return _values(ctx.domain.all_incidents(), INCIDENT_COLUMNS[kept.column], ctx)


def _values(records: Sequence[R], column: Column[R], ctx: RenderContext) -> set[str]:
    names: set[str] = set()
    for record in records:
        value = column.value(record, ctx)
        names.update(value if isinstance(value, tuple) else [value] if value else [])
    return names


def _unknown(kept: TableFilter, value: str, names: set[str]) -> str:
    message = f"{kept.directive}: :{kept.option}: no {kept.records} has the {kept.option} {value!r}"
    close = difflib.get_close_matches(value, sorted(names), n=1)
    return message + (f"; did you mean {close[0]!r}?" if close else "")


def setup_tables(app: Sphinx) -> None:
    register_placeholder(app, ActionTable)
    register_placeholder(app, IncidentTable)
    app.add_directive("action-table", ActionTableDirective)
    app.add_directive("incident-table", IncidentTableDirective)
    app.connect("env-check-consistency", check_filters)
