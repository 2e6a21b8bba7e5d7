"""Commands that follow actions to done: ``close``, ``actions``, ``check-trailers``.

``close`` edits one directive in its file and prints the commit message that
closes the action; ``actions`` lists what is open for a weekly reminder;
``check-trailers`` refuses a commit message whose trailer names no action.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urljoin

from .checking import SetupError, quiet_app
from .commits import check_trailers
from .knowledge_base import UsageError, check_date
from .records import Action, Incident
from .sourceedit import CloseError, SourceAction, Syntax, close_action, find_actions

SUFFIXES: dict[str, Syntax] = {".md": "md", ".rst": "rst"}


# -- the knowledge base's sources, read without a build --------------------------------


def sources(root: Path) -> Iterator[tuple[Path, Syntax]]:
    """Every page of the knowledge base, skipping build output and hidden folders."""
    for path in sorted(root.rglob("*")):
        syntax = SUFFIXES.get(path.suffix)
        parts = path.relative_to(root).parts
        if syntax and path.is_file() and not any(p.startswith(("_", ".")) for p in parts[:-1]):
            yield path, syntax


def read_source(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:  # keep CRLF as it is
        return handle.read()


def source_actions(root: Path) -> Iterator[tuple[Path, Syntax, SourceAction]]:
    for path, syntax in sources(root):
        text = read_source(path)
        if "action" in text:
            for action in find_actions(text, syntax):
                yield path, syntax, action


def known_action_ids(root: Path) -> set[str]:
    return {action.id for _, _, action in source_actions(root) if action.id}


# -- close ------------------------------------------------------------------------------


def commit_message(action_id: str, title: str) -> str:
    return f"docs(incidents): close action {action_id}\n\n{title}\n\nCloses-Action: {action_id}\n"


def close(root: Path, action_id: str, completed: dt.date) -> tuple[Path, SourceAction]:
    """Close the action in its file; return the file and the action as it was."""
    found = [(p, s, a) for p, s, a in source_actions(root) if a.id == action_id]
    if not found:
        ids = sorted(known_action_ids(root))
        near = difflib.get_close_matches(action_id, ids, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UsageError(f"no action {action_id!r} in {root}{hint}")
    if len(found) > 1:
        where = ", ".join(f"{path}:{action.line}" for path, _, action in found)
        raise UsageError(f"action {action_id!r} is written more than once: {where}")
    path, syntax, action = found[0]
    try:
        text = close_action(read_source(path), action_id, syntax=syntax, completed=completed)
    except CloseError as exc:
        raise UsageError(f"{path}:{action.line}: {exc}") from None
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path, action


def cmd_close(args: argparse.Namespace) -> int:
    completed = check_date(args.date) if args.date else dt.date.today()
    path, action = close(Path(args.kb), args.id, completed)
    shown = os.path.relpath(path)
    sys.stdout.write(
        f"Closed {args.id} in {shown}:{action.line}: status done, completed "
        f"{completed.isoformat()}.\n\n"
        "Commit it with the work that did it, using this message (or add its last line,\n"
        "the trailer, to your own):\n\n"
        + "".join(
            f"    {line}\n" if line else "\n"
            for line in commit_message(args.id, action.title).splitlines()
        )
    )
    return 0


# -- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Records:
    actions: list[Action]
    incidents: list[Incident]
    today: dt.date
    base_url: str


def read_records(root: Path) -> Records:
    """The knowledge base's records, from a quiet build with the ``dummy`` builder."""
    from .config import today
    from .domain import get_domain

    try:
        with quiet_app(root, io.StringIO()) as app:
            domain = get_domain(app.env)
            return Records(
                domain.all_actions(),
                domain.all_incidents(),
                today(app.config),
                str(app.config.html_baseurl or ""),
            )
    except SetupError as exc:
        raise UsageError(str(exc)) from None


def select(
    records: Records, owner: str | None, overdue: bool, due_within: int | None
) -> list[Action]:
    """The open actions asked for, soonest due first (overdue ones are the soonest)."""
    chosen = [a for a in records.actions if a.is_open]
    if owner is not None:
        chosen = [a for a in chosen if (a.owner or "").casefold() == owner.casefold()]
    if overdue:
        chosen = [a for a in chosen if a.is_overdue(records.today)]
    if due_within is not None:
        horizon = records.today + dt.timedelta(days=due_within)
        chosen = [a for a in chosen if a.due is not None and a.due <= horizon]
    return sorted(chosen, key=lambda a: (a.due or dt.date.max, a.id or a.title))


def by_owner(actions: list[Action], day: dt.date) -> list[tuple[str, list[Action]]]:
    """Owners with an overdue action first, then the others, each by name."""
    groups: dict[str, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.owner or "(no owner)", []).append(action)
    return sorted(
        groups.items(),
        key=lambda g: (not any(a.is_overdue(day) for a in g[1]), g[0].casefold()),
    )


def _counts(actions: list[Action], day: dt.date) -> str:
    late = sum(1 for a in actions if a.is_overdue(day))
    return f"{len(actions)} open" + (f", {late} overdue" if late else "")


def _url(records: Records, action: Action) -> str | None:
    if not records.base_url:
        return None
    return urljoin(records.base_url, f"{action.docname}.html#{action.anchor}")


def as_text(records: Records, actions: list[Action], out: TextIO) -> None:
    if not actions:
        out.write("No open action matches.\n")
        return
    for owner, owned in by_owner(actions, records.today):
        out.write(f"{owner} ({_counts(owned, records.today)})\n")
        for action in owned:
            late = "OVERDUE" if action.is_overdue(records.today) else ""
            due = action.due.isoformat() if action.due else "no due date"
            out.write(f"  {late:7}  {due:10}  {action.id}  {action.title}  [{action.status}]\n")
        out.write("\n")


def _md(text: str) -> str:
    """Plain text that Markdown shows as written (code spans in titles stay code)."""
    return "".join(f"\\{c}" if c in "\\[]<>*_" else c for c in text)


def as_markdown(records: Records, actions: list[Action], out: TextIO) -> None:
    out.write(f"## Open post-mortem actions, {records.today.isoformat()}\n\n")
    if not actions:
        out.write("No open action matches.\n")
        return
    for owner, owned in by_owner(actions, records.today):
        out.write(f"### {_md(owner)}: {_counts(owned, records.today)}\n\n")
        for action in owned:
            url = _url(records, action)
            name = f"[{action.id}]({url})" if url else f"`{action.id}`"
            late = "**overdue**, " if action.is_overdue(records.today) else ""
            due = f"due {action.due.isoformat()}" if action.due else "no due date"
            out.write(f"- {name} {_md(action.title)} ({late}{due}, {action.status})\n")
        out.write("\n")


def as_json(records: Records, actions: list[Action], out: TextIO) -> None:
    titles = {i.id: i.title for i in records.incidents}
    data: dict[str, Any] = {
        "today": records.today.isoformat(),
        "actions": [
            {
                "id": a.id,
                "title": a.title,
                "owner": a.owner,
                "due": a.due.isoformat() if a.due else None,
                "status": a.status,
                "overdue": a.is_overdue(records.today),
                "priority": a.priority,
                "incident": a.incident,
                "incident_title": titles.get(a.incident or ""),
                "url": _url(records, a),
            }
            for _, owned in by_owner(actions, records.today)
            for a in owned
        ],
    }
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


FORMATTERS = {"text": as_text, "markdown": as_markdown, "json": as_json}


def cmd_actions(args: argparse.Namespace) -> int:
    if args.due_within is not None and args.due_within < 0:
        raise UsageError("--due-within takes a number of days, 0 or more")
    records = read_records(Path(args.kb))
    chosen = select(records, args.owner, args.overdue, args.due_within)
    FORMATTERS[args.format](records, chosen, sys.stdout)
    return 0


# -- check-trailers -----------------------------------------------------------------------


def messages_in(rev_range: str) -> list[tuple[str, str]]:
    """(short hash, message) of each commit in the range, with one ``git log``."""
    done = subprocess.run(
        ["git", "log", "--no-color", "--format=%h%x1f%B%x1d", rev_range],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"git log {rev_range} failed: {done.stderr.strip()}")
    records = (r.lstrip("\n") for r in done.stdout.split("\x1d"))
    return [tuple(r.split("\x1f", 1)) for r in records if r]  # type: ignore[misc]


def cmd_check_trailers(args: argparse.Namespace) -> int:
    root = Path(args.kb)
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    known = known_action_ids(root)
    if args.rev_range:
        messages = messages_in(args.rev_range)
    elif args.message:
        messages = [(args.message, Path(args.message).read_text(encoding="utf-8"))]
    else:
        raise UsageError("give a commit message file, or --rev-range")
    failed = 0
    for name, message in messages:
        for problem in check_trailers(message, known):
            sys.stderr.write(f"{name}: {problem}\n")
            failed += 1
    return 1 if failed else 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``close``, ``actions`` and ``check-trailers`` on the main parser."""
    kb_help = "the knowledge base (default: incidents)"
    close_parser = commands.add_parser(
        "close",
        help="mark an action done in its source and print the commit message",
        description="Set ':status: done' and ':completed:' on one action, in its file, "
        "changing nothing else; print the commit message with its Closes-Action trailer.",
    )
    close_parser.add_argument("id", help="the action's id, e.g. INC-2024-007-A1")
    close_parser.add_argument("--kb", default="incidents", help=kb_help)
    close_parser.add_argument("--date", help="when it was completed, YYYY-MM-DD (default: today)")
    close_parser.set_defaults(run=cmd_close)
    actions = commands.add_parser(
        "actions",
        help="list open actions by owner, overdue first (for a reminder job)",
        description="List the open actions of a knowledge base, grouped by owner, owners "
        "with overdue actions first.",
    )
    actions.add_argument("--kb", default="incidents", help=kb_help)
    actions.add_argument("--owner", help="only this owner's actions")
    actions.add_argument("--overdue", action="store_true", help="only overdue actions")
    actions.add_argument(
        "--due-within", type=int, metavar="DAYS", help="only actions due within DAYS days"
    )
    actions.add_argument(
        "--format",
        choices=sorted(FORMATTERS),
        default="text",
        help="text for a terminal, markdown for a chat or an issue, json for scripts",
    )
    actions.set_defaults(run=cmd_actions)
    trailers = commands.add_parser(
        "check-trailers",
        help="refuse Closes-Action/Refs-Action trailers that name no action",
        description="Check the action trailers of a commit message file (the commit-msg "
        "hook) or of every commit in --rev-range. Exits 1 when one names no action.",
    )
    trailers.add_argument("message", nargs="?", help="the commit message file")
    trailers.add_argument("--rev-range", help="check these commits instead, e.g. origin/main..HEAD")
    trailers.add_argument("--kb", default="incidents", help=kb_help)
    trailers.set_defaults(run=cmd_check_trailers)
