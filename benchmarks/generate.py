"""Generate a synthetic knowledge base of N incidents in ten flavours.

The flavours share every sentence; only the markup of the post-mortem parts
differs. Each of five kinds is written in reST and in MyST Markdown (the
``-myst`` flavours: ``myst_parser`` with ``colon_fence``, directives written
``:::{name} argument`` ... ``:::``):

- ``plain``: no extension: the timeline is a bullet list and each action a
  paragraph;
- ``todo``: ``sphinx.ext.todo``: each action is a ``todo``, and the index
  holds a ``todolist``;
- ``markup``: the ``ours`` sources read by ``markup_only.py``, directives of
  the same names and options that only parse their content: what the parser
  charges for the syntax alone, the floor under ``ours``;
- ``needs``: ``sphinx-needs``: the incident and each action a need (types
  ``incident`` and ``action``, with owner, due and status options), the
  timeline a bullet list, and two ``needtable`` on the index (incidents, and
  the open actions);
- ``ours``: the ``incident``, ``timeline`` and ``action`` directives, with an
  ``action-table`` and an ``incident-table`` on the index.

Usage: python benchmarks/generate.py N OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

#: the checkout these benchmarks sit in: measured even where another copy is installed
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sphinx_postmortem.config import REQUIRED_SECTIONS  # noqa: E402

KINDS = ("plain", "todo", "markup", "needs", "ours")
#: every kind in reST (its bare name) and in MyST (``<kind>-myst``)
FLAVOURS = KINDS + tuple(f"{kind}-myst" for kind in KINDS)
#: kinds written with the extension's markup
MARKUP = ("markup", "ours")
#: the prose sections of a complete post-mortem (the timeline and actions come apart)
SECTIONS = [s for s in REQUIRED_SECTIONS if s not in ("Timeline", "Action items")]
STATUSES = ("open", "in-progress", "done", "wont-do", "done")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
ACTION_TYPES = ("prevent", "detect", "mitigate", "process", "repair")
PROSE = (
    "The checkout service returned errors for a share of requests while the "
    "primary database node ran out of disk space. Requests that needed a write "
    "failed; reads were served from the replica and kept working. "
    "The alert on the error rate fired within minutes, and traffic moved to "
    "the replica once the cause was clear."
)


def kind_of(flavour: str) -> str:
    """``ours-myst`` -> ``ours``."""
    return flavour.removesuffix("-myst")


def is_myst(flavour: str) -> bool:
    return flavour.endswith("-myst")


def suffix(flavour: str) -> str:
    """The source files' suffix."""
    return ".md" if is_myst(flavour) else ".rst"


def directive(
    name: str, argument: str, options: dict[str, str], content: list[str], myst: bool
) -> list[str]:
    """One directive, as reST or as a MyST colon fence, and a blank line after it."""
    if myst:
        out = [f":::{{{name}}} {argument}".rstrip()]
        out += [f":{key}: {value}".rstrip() for key, value in options.items()]
        if content:
            out += ["", *content]
        return [*out, ":::", ""]
    out = [f".. {name}:: {argument}".rstrip()]
    out += [f"   :{key}: {value}".rstrip() for key, value in options.items()]
    if content:
        out += ["", *(f"   {line}" if line else "" for line in content)]
    return [*out, ""]


def heading(text: str, level: int, myst: bool) -> list[str]:
    if myst:
        return [f"{'#' * level} {text}", ""]
    return [text, "=-"[level - 1] * len(text), ""]


def incident(n: int, flavour: str) -> str:
    kind, myst = kind_of(flavour), is_myst(flavour)
    incident_id = f"INC-2024-{n:04d}"
    need_id = incident_id.replace("-", "_")
    title = f"{incident_id}: Synthetic incident number {n}"
    day = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    severity = SEVERITIES[n % 4]
    services = f"service-{n % 17}, database"
    out = heading(title, 1, myst)
    if kind in MARKUP:
        options = {
            "date": day,
            "severity": severity,
            "status": "final",
            "services": services,
            "tags": "synthetic",
        }
        out += directive("incident", incident_id, options, [PROSE], myst)
    elif kind == "needs":
        options = {
            "id": need_id,
            "date": day,
            "severity": severity,
            "status": "final",
            "services": services,
            "tags": "synthetic",
        }
        out += directive("incident", title, options, [PROSE], myst)
    else:
        out += [PROSE, ""]
    for section in SECTIONS:
        out += [*heading(section, 2, myst), PROSE, "", PROSE, ""]
    out += heading("Timeline", 2, myst)
    markers = {0: " [started]", 3: " [detected]", 8: " [mitigated]", 14: " [resolved]"}
    entries = [
        f"- {8 + i // 4:02d}:{(i % 4) * 15:02d}{markers.get(i, '') if kind in MARKUP else ''} "
        f"Event {i} of the incident: a step that people took or a signal that they saw."
        for i in range(15)
    ]
    if kind in MARKUP:
        out += directive("timeline", "", {}, entries, myst)
    else:
        out += [*entries, ""]
    out += heading("Action items", 2, myst)
    for a in range(1, 6):
        status = STATUSES[(n + a) % 5]
        text = f"Follow-up {a} of incident {n}: make the alert fire before the disk is full"
        owner = f"team-{(n + a) % 9}"
        due = f"2025-{a + 1:02d}-15"
        body = "Owner and due date are tracked in the action table."
        if kind in MARKUP:
            options = {"owner": owner, "due": due, "status": status, "type": ACTION_TYPES[a - 1]}
            out += directive("action", text, options, [body], myst)
        elif kind == "needs":
            options = {
                "id": f"{need_id}_A{a}",
                "owner": owner,
                "due": due,
                "status": status,
                "category": ACTION_TYPES[a - 1],
                "links": need_id,
            }
            out += directive("action", text, options, [body], myst)
        elif kind == "todo":
            out += directive(
                "todo", "", {}, [f"{text} ({owner}, due {due}, {status}).", "", body], myst
            )
        else:
            out += [f"{text} ({owner}, due {due}, {status}).", "", body, ""]
    return "\n".join(out)


def index(flavour: str) -> str:
    kind, myst = kind_of(flavour), is_myst(flavour)
    out = heading("Post-mortems", 1, myst)
    if kind in MARKUP:
        out += directive("incident-table", "", {}, [], myst)
        out += directive("action-table", "", {}, [], myst)
    elif kind == "todo":
        out += directive("todolist", "", {}, [], myst)
    elif kind == "needs":
        incidents = {"types": "incident", "columns": "id;title;date;severity;status"}
        out += directive("needtable", "", incidents, [], myst)
        actions = {
            "types": "action",
            "status": "open;in-progress",
            "columns": "id;title;owner;due;status;links",
            "sort_by": "due",
        }
        out += directive("needtable", "", actions, [], myst)
    out += directive("toctree", "", {"glob": ""}, ["incidents/*"], myst)
    return "\n".join(out)


def conf(flavour: str) -> str:
    kind = kind_of(flavour)
    extensions = {
        "plain": [],
        "todo": ["sphinx.ext.todo"],
        "markup": ["markup_only"],
        "needs": ["sphinx_needs"],
        "ours": ["sphinx_postmortem"],
    }[kind]
    lines = ['project = "bench"']
    if is_myst(flavour):
        extensions = ["myst_parser", *extensions]
        lines.append('myst_enable_extensions = ["colon_fence"]')
    lines.insert(0, f"extensions = {extensions!r}")
    if kind == "markup":
        here = str(Path(__file__).resolve().parent)
        lines.insert(0, f"import sys; sys.path.insert(0, {here!r})")
    if kind == "todo":
        lines.append("todo_include_todos = True")
    if kind == "needs":
        lines += [
            "needs_types = [",
            '    {"directive": "incident", "title": "Incident", "prefix": "INC_"},',
            '    {"directive": "action", "title": "Action", "prefix": "ACT_"},',
            "]",
            "needs_fields = {",
            *(
                f'    "{name}": {{"description": "{name} of the {of}", "nullable": True}},'
                for name, of in (
                    ("date", "incident"),
                    ("severity", "incident"),
                    ("services", "incident"),
                    ("owner", "action"),
                    ("due", "action"),
                    ("category", "action"),
                )
            ),
            "}",
            "needs_id_required = True",
        ]
    if kind == "ours":
        # fixed, so every run sees the same overdue actions; their warnings are
        # part of the cost a real build pays
        lines.append('postmortem_today = "2025-04-01"')
        lines.append('suppress_warnings = ["postmortem.overdue"]')
    return "\n".join(lines) + "\n"


def generate(count: int, root: Path, flavours: tuple[str, ...] = FLAVOURS) -> dict[str, Path]:
    projects = {}
    for flavour in flavours:
        project = root / flavour
        (project / "incidents").mkdir(parents=True, exist_ok=True)
        (project / "conf.py").write_text(conf(flavour))
        ext = suffix(flavour)
        (project / f"index{ext}").write_text(index(flavour))
        for n in range(1, count + 1):
            (project / "incidents" / f"inc{n:05d}{ext}").write_text(incident(n, flavour))
        projects[flavour] = project
    return projects


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
