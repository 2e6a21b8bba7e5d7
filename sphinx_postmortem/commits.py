"""Commits that close or refer to actions, read from their trailers.

A commit message footer ``Closes-Action: <id>`` or ``Refs-Action: <id>`` (the
Conventional Commits footer, which git calls a trailer) ties the commit to an
action. The build reads them all with one ``git log``; the commit-message
check refuses a trailer that names no action of the knowledge base.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .records import Action

if TYPE_CHECKING:
    pass

Kind = Literal["closes", "refs"]
KEYS: dict[str, Kind] = {"closes-action": "closes", "refs-action": "refs"}
#: one commit per record, fields apart; git writes these bytes, a message cannot hold them
FIELD, TRAILER, RECORD = "\x1f", "\x1e", "\x1d"
LOG_FORMAT = (
    "--format=%H%x1f%h%x1f%cI%x1f%s%x1f"
    "%(trailers:key=Closes-Action,key=Refs-Action,unfold,separator=%x1e)%x1d"
)
#: a line that looks meant as one of our trailers, however it is spelt
LOOKS_LIKE = re.compile(r"^\s*(closes?|refs?|fix(?:es)?)[- _]?actions?\s*[:=]", re.IGNORECASE)
TRAILER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$")
#: lines git writes itself, which let a footer hold a few lines that are not trailers
GIT_GENERATED = ("signed-off-by:", "(cherry picked from commit ")


@dataclass(frozen=True, slots=True)
class CommitRef:
    sha: str
    short: str
    date: dt.date
    subject: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class History:
    #: the commit the history was read from (HEAD); pages showing commits depend on it
    head: str
    #: action id -> its commits, newest first
    by_action: dict[str, tuple[CommitRef, ...]]

    def closing(self, action_id: str) -> CommitRef | None:
        """The newest commit that closes the action, if any."""
        return next((c for c in self.by_action.get(action_id, ()) if c.kind == "closes"), None)


def changed_actions(old: History | None, new: History | None) -> set[str]:
    """The actions whose commits differ: their pages must be written again."""
    before = old.by_action if old is not None else {}
    after = new.by_action if new is not None else {}
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def split_ids(value: str) -> list[str]:
    """``A1, A2`` or ``A1 A2``: several ids may share one trailer."""
    return [part for part in re.split(r"[,\s]+", value) if part]


def parse_log(output: str) -> History:
    """Read the output of ``git log`` with :data:`LOG_FORMAT`."""
    head = ""
    by_action: dict[str, list[CommitRef]] = {}
    for record in output.split(RECORD):
        record = record.lstrip("\n")
        if not record:
            continue
        sha, short, date, subject, trailers = record.split(FIELD, 4)
        head = head or sha
        if not trailers:
            continue
        day = dt.datetime.fromisoformat(date).date()
        for trailer in trailers.split(TRAILER):
            key, _, value = trailer.partition(":")
            kind = KEYS.get(key.strip().lower())
            if kind is None:
                continue
            for action_id in split_ids(value):
                commits = by_action.setdefault(action_id, [])
                commits.append(CommitRef(sha, short, day, subject, kind))
    return History(head, {key: tuple(value) for key, value in by_action.items()})


def read_history(path: Path) -> History | None:
    """Every commit trailer reachable from HEAD; None outside a repository or without git."""
    command = ["git", "-c", "log.showSignature=false", "-C", str(path), "log", "--no-color"]
    try:
        done = subprocess.run(
            [*command, "--encoding=UTF-8", LOG_FORMAT],
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:  # no git on this machine
        return None
    if done.returncode != 0:  # not a repository, no commit yet, or a repository git distrusts
        return None
    return parse_log(done.stdout.decode("utf-8", errors="replace"))


@dataclass(frozen=True, slots=True)
class Problem:
    """A trailer that does not agree with the knowledge base."""

    #: the action it is about; None when the trailer names no action
    action: Action | None
    action_id: str
    commit: CommitRef
    message: str


def problems(
    history: History, actions: Mapping[str, Action], incidents: Iterable[str] = ()
) -> list[Problem]:
    """Commits closing an action still open in its page, and trailers naming no action.

    ``actions`` maps every action id of the project to its record. A trailer
    naming no action is a problem only when the id starts with the id of one of
    ``incidents`` (a typo, such as ``INC-2024-007-A9``): a repository may hold
    other knowledge bases, whose actions are not this one's to check.
    """
    ours = tuple(f"{incident}-" for incident in incidents)
    found: list[Problem] = []
    for action_id in sorted(history.by_action):
        action = actions.get(action_id)
        commits = history.by_action[action_id]
        if action is None:
            if not action_id.startswith(ours) or not ours:
                continue
            commit = commits[0]
            found.append(
                Problem(
                    None,
                    action_id,
                    commit,
                    f"commit {commit.short} ({commit.subject!r}) names action {action_id!r}, "
                    "which does not exist",
                )
            )
            continue
        closing = history.closing(action_id)
        if closing is not None and action.is_open:
            found.append(
                Problem(
                    action,
                    action_id,
                    closing,
                    f"action {action_id!r} was closed by commit {closing.short} "
                    f"({closing.subject!r}, {closing.date.isoformat()}) but is still "
                    f"{action.status}: write ':status: done' and "
                    f"':completed: {closing.date.isoformat()}' "
                    f"(sphinx-postmortem close {action_id} --date {closing.date.isoformat()})",
                )
            )
    return found


# -- the commit-message check -------------------------------------------------------


def _paragraphs(message: str) -> list[list[str]]:
    """The message's paragraphs, without git's comment lines and the diff of ``-v``."""
    lines: list[str] = []
    for line in message.splitlines():
        if line.startswith("# ------------------------ >8 ------------------------"):
            break
        if not line.startswith("#"):
            lines.append(line.rstrip())
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def footer(message: str) -> list[tuple[str, str]]:
    """The trailers git reads: those of the last paragraph, after the subject.

    Git takes the last paragraph as trailers when every line of it is one (or a
    continuation), or when at least a quarter are and one is git's own
    (``Signed-off-by``); continuation lines start with white space.
    """
    paragraphs = _paragraphs(message)
    if len(paragraphs) < 2:
        return []
    trailers: list[tuple[str, str]] = []
    others = 0
    git_made = False
    for line in paragraphs[-1]:
        if line[:1].isspace() and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
            continue
        git_made = git_made or line.lower().startswith(GIT_GENERATED)
        match = TRAILER_LINE.match(line)
        if match is None:
            others += 1
        else:
            trailers.append((match[1], match[2].strip()))
    if others and not (git_made and len(trailers) * 3 >= others):
        return []
    return trailers


def check_trailers(message: str, known_ids: Iterable[str]) -> list[str]:
    """What is wrong with a commit message's action trailers; empty when all is well."""
    known = set(known_ids)
    problems: list[str] = []
    trailers = footer(message)
    for key, value in trailers:
        if key.lower() not in KEYS:
            continue
        if not split_ids(value):
            problems.append(f"'{key}:' names no action")
        for action_id in split_ids(value):
            if action_id not in known:
                problems.append(f"'{key}: {action_id}' names an action that does not exist")
    for line in message.splitlines():
        if line.startswith("#") or not LOOKS_LIKE.match(line):
            continue
        key = line.partition(":")[0].strip()
        if key.lower() not in KEYS:
            problems.append(f"{line.strip()!r}: write 'Closes-Action: <id>' or 'Refs-Action: <id>'")
        elif not any(
            k.lower() == key.lower() and v.startswith(line.partition(":")[2].strip())
            for k, v in trailers
        ):
            problems.append(
                f"{line.strip()!r} is not in the message's last paragraph, so git does not "
                "read it: put the trailers together at the end, after a blank line"
            )
    return problems
