"""Generate a synthetic knowledge base of N incidents in three flavours.

The flavours share every sentence; only the markup of the post-mortem parts
differs:

- ``plain``: reST without the extension: the timeline is a bullet list and
  each action a paragraph;
- ``todo``: ``sphinx.ext.todo``: each action is a ``todo``, and the index
  holds a ``todolist``;
- ``ours``: the ``incident``, ``timeline`` and ``action`` directives, with an
  ``action-table`` and an ``incident-table`` on the index;
- ``markup``: the ``ours`` sources read by ``markup_only.py``, directives of
  the same names and options that only parse their content: what docutils
  charges for the syntax alone, the floor under ``ours``.

Usage: python benchmarks/generate.py N OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx_postmortem.config import REQUIRED_SECTIONS

FLAVOURS = ("plain", "todo", "markup", "ours")
#: flavours written with the extension's markup
MARKUP = ("markup", "ours")
#: the prose sections of a complete post-mortem (the timeline and actions come apart)
SECTIONS = [s for s in REQUIRED_SECTIONS if s not in ("Timeline", "Action items")]
STATUSES = ("open", "in-progress", "done", "wont-do", "done")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
PROSE = (
    "The checkout service returned errors for a share of requests while the "
    "primary database node ran out of disk space. Requests that needed a write "
    "failed; reads were served from the replica and kept working. "
    "The alert on the error rate fired within minutes, and traffic moved to "
    "the replica once the cause was clear."
)


def incident(n: int, flavour: str) -> str:
    incident_id = f"INC-2024-{n:04d}"
    title = f"{incident_id}: Synthetic incident number {n}"
    out = [title, "=" * len(title), ""]
    day = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    if flavour in MARKUP:
        out += [
            f".. incident:: {incident_id}",
            f"   :date: {day}",
            f"   :severity: {SEVERITIES[n % 4]}",
            "   :status: final",
            f"   :services: service-{n % 17}, database",
            "   :tags: synthetic",
            "",
            f"   {PROSE}",
            "",
        ]
    else:
        out += [f"{PROSE}", ""]
    for section in SECTIONS:
        out += [section, "-" * len(section), "", PROSE, "", PROSE, ""]
    out += ["Timeline", "--------", ""]
    markers = {0: " [started]", 3: " [detected]", 8: " [mitigated]", 14: " [resolved]"}
    entries = [
        f"- {8 + i // 4:02d}:{(i % 4) * 15:02d}{markers.get(i, '') if flavour in MARKUP else ''} "
        f"Event {i} of the incident: a step that people took or a signal that they saw."
        for i in range(15)
    ]
    if flavour in MARKUP:
        out += [".. timeline::", ""] + [f"   {e}" for e in entries] + [""]
    else:
        out += [*entries, ""]
    out += ["Action items", "------------", ""]
    for a in range(1, 6):
        status = STATUSES[(n + a) % 5]
        text = f"Follow-up {a} of incident {n}: make the alert fire before the disk is full"
        due = f"2025-{a + 1:02d}-15"
        if flavour in MARKUP:
            out += [
                f".. action:: {text}",
                f"   :owner: team-{(n + a) % 9}",
                f"   :due: {due}",
                f"   :status: {status}",
                f"   :type: {('prevent', 'detect', 'mitigate', 'process', 'repair')[a - 1]}",
                "",
                "   Owner and due date are tracked in the action table.",
                "",
            ]
        elif flavour == "todo":
            out += [
                ".. todo::",
                "",
                f"   {text} (team-{(n + a) % 9}, due {due}, {status}).",
                "",
                "   Owner and due date are tracked in the action table.",
                "",
            ]
        else:
            out += [
                f"{text} (team-{(n + a) % 9}, due {due}, {status}).",
                "",
                "Owner and due date are tracked in the action table.",
                "",
            ]
    return "\n".join(out)


def index(flavour: str) -> str:
    out = ["Post-mortems", "============", ""]
    if flavour in MARKUP:
        out += [".. incident-table::", "", ".. action-table::", ""]
    elif flavour == "todo":
        out += [".. todolist::", ""]
    out += [".. toctree::", "   :glob:", "", "   incidents/*", ""]
    return "\n".join(out)


def conf(flavour: str) -> str:
    extensions = {
        "plain": [],
        "todo": ["sphinx.ext.todo"],
        "markup": ["markup_only"],
        "ours": ["sphinx_postmortem"],
    }
    lines = [f"extensions = {extensions[flavour]!r}", 'project = "bench"']
    if flavour == "markup":
        here = str(Path(__file__).resolve().parent)
        lines.insert(0, f"import sys; sys.path.insert(0, {here!r})")
    if flavour == "todo":
        lines.append("todo_include_todos = True")
    if flavour == "ours":
        # fixed, so every run sees the same overdue actions; their warnings are
        # part of the cost a real build pays
        lines.append('postmortem_today = "2025-04-01"')
        lines.append('suppress_warnings = ["postmortem.overdue"]')
    return "\n".join(lines) + "\n"


def generate(count: int, root: Path) -> dict[str, Path]:
    projects = {}
    for flavour in FLAVOURS:
        project = root / flavour
        (project / "incidents").mkdir(parents=True, exist_ok=True)
        (project / "conf.py").write_text(conf(flavour))
        (project / "index.rst").write_text(index(flavour))
        for n in range(1, count + 1):
            (project / "incidents" / f"inc{n:05d}.rst").write_text(incident(n, flavour))
        projects[flavour] = project
    return projects


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
