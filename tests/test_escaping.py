"""Field values are text in every output, and links lead only where they should.

A value typed into an option is shown, never interpreted: in HTML it is
escaped, in ``postmortem.json`` it is the exact string, in LaTeX it is
escaped text. (The content of a directive is different: it is markup by
design, and in MyST raw HTML is part of Markdown.)
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CONF, Builder
from robust import LATEX, SCRIPT

#: One value that is markup in every syntax we write or read.
VALUE = (
    f"{SCRIPT} {LATEX} \\def\\x{{}} <b>bold</b> *emph* **strong** `code` "
    ":incident:`INC-2024-001` {incident}`INC-2024-001` [x](javascript:alert(1)) "
    "|sub| & &amp; 'single' a#b % $x$ _ ^ ~ {} \\ \u202eevil"
)
#: An http URL, so accepted, with characters that would end an attribute or a command.
HOSTILE_URL = f'https://tracker.example.com/{LATEX}?q="><script>alert(1)</script>'
RAW = (SCRIPT, "<b>bold</b>", "<em>emph</em>", "<strong>strong</strong>")


class Page(HTMLParser):
    """The text chunks and the tags of a page."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def shows(self, text: str) -> bool:
        """``text`` is part of one run of text on the page, not split by tags."""
        return any(text in chunk for chunk in self.chunks)

    def hrefs(self) -> list[str]:
        return [attrs["href"] or "" for _, attrs in self.tags if "href" in attrs]


def directive(ext: str, name: str, argument: str, options: dict[str, str]) -> str:
    """A directive in reST or MyST, followed by a blank line."""
    if ext == "rst":
        lines = [f".. {name}:: {argument}".rstrip()]
        lines += [f"   :{key}: {value}".rstrip() for key, value in options.items()]
    else:
        # an info string after backticks cannot hold a backtick: fence with tildes
        fence = "~~~" if "`" in argument else "```"
        lines = [f"{fence}{{{name}}} {argument}".rstrip()]
        lines += [f":{key}: {value}".rstrip() for key, value in options.items()]
        lines += [fence]
    return "\n".join(lines) + "\n\n"


def title(ext: str, text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n\n" if ext == "rst" else f"# {text}\n\n"


def hostile_project(ext: str) -> dict[str, str]:
    incident = directive(
        ext,
        "incident",
        "INC-2024-001",
        {
            "date": "2024-03-14",
            "severity": "SEV2",
            "owner": VALUE,
            "authors": VALUE,
            "services": VALUE,
            "tags": VALUE,
        },
    )
    action = directive(
        ext,
        "action",
        VALUE,
        {"owner": VALUE, "due": "2024-06-01", "tracker": f"KEY-{LATEX}"},
    )
    linked = directive(
        ext, "action", "Linked", {"owner": "team", "due": "2024-06-01", "tracker": HOSTILE_URL}
    )
    tables = directive(
        ext, "action-table", "", {"columns": "id, action, owner, tracker", "status": "all"}
    ) + directive(ext, "incident-table", "", {"columns": "id, title, owner, services"})
    return {
        f"doc.{ext}": title(ext, "Checkout errors") + incident + action + linked,
        f"tables.{ext}": title(ext, "Tables") + tables,
    }


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_a_field_value_is_text_in_html_and_exact_in_json(build: Builder, ext: str) -> None:
    built = build(hostile_project(ext))
    assert [w for w in built.warnings if "[postmortem." in w] == []

    for docname in ("doc", "tables"):
        source = built.html(docname)
        page = Page(source)
        for raw in RAW:
            assert raw not in source, (docname, raw)
        assert page.shows(VALUE), docname
        assert html.escape(SCRIPT, quote=True) in source
        assert not any(h.strip().lower().startswith("javascript:") for h in page.hrefs())
        assert HOSTILE_URL in page.hrefs()  # the whole URL, inside the attribute
        assert "<script>alert(1)" not in source

    data = built.export()
    (incident,) = data["incidents"]
    assert incident["owner"] == VALUE
    # a list field splits at commas only; the pieces are exact
    assert incident["authors"] == [piece.strip() for piece in VALUE.split(",")]
    action, linked = incident["actions"]
    assert linked["tracker"] == linked["tracker_url"] == HOSTILE_URL
    assert action["title"] == VALUE
    assert action["owner"] == VALUE
    assert action["tracker"] == f"KEY-{LATEX}"
    assert action["tracker_url"] is None


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_a_field_value_is_escaped_text_in_latex(build: Builder, ext: str) -> None:
    built = build(hostile_project(ext), buildername="latex")
    (tex_path,) = Path(built.outdir).glob("*.tex")
    tex = tex_path.read_text(encoding="utf-8")
    assert LATEX not in tex
    assert "\\def\\x" not in tex
    escaped = r"\textbackslash{}input\{/etc/passwd\}"
    # the owner, in the incident's fields, the action and the two tables
    assert tex.count(escaped) >= 4
    assert r"\textless{}script\textgreater{}" in tex


BARE_SCRIPT = "<script>alert(1)</script>"  # no quotes: body text gets smart quotes


def test_timeline_text_keeps_its_markup_but_no_raw_html(build: Builder) -> None:
    """In reST the event is reST: markup is honoured, HTML is text."""
    source = (
        title("rst", "Timeline")
        + directive("rst", "incident", "INC-2024-001", {"date": "2024-03-14", "severity": "SEV2"})
        + ".. timeline::\n\n"
        + f"   - 09:00 [started] *calm* {BARE_SCRIPT} <b>bold</b>\n"
    )
    built = build({"doc.rst": source})
    page = built.html("doc")
    assert "<em>calm</em>" in page
    assert BARE_SCRIPT not in page
    assert "<b>bold</b>" not in page
    assert Page(page).shows(f" {BARE_SCRIPT} <b>bold</b>")
    (entry,) = built.export()["incidents"][0]["timeline"]
    assert entry["text"] == f"calm {BARE_SCRIPT} <b>bold</b>"
    assert entry["milestones"] == ["started"]


# -- tracker links --------------------------------------------------------------

REFUSED_TRACKERS = (
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "JavaScript:alert(document.domain)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://files.example.com/x",
    "java\tscript:alert(1)",
    "http://",
    "https:alert(1)",
    "https://exa mple.com/",
)


def tracker_project(ext: str, trackers: tuple[str, ...], key: str = "") -> dict[str, str]:
    source = title(ext, "Trackers") + directive(
        ext, "incident", "INC-2024-001", {"date": "2024-03-14", "severity": "SEV2"}
    )
    for n, tracker in enumerate(trackers):
        options = {"owner": "team", "due": "2024-06-01", "tracker": tracker}
        source += directive(ext, "action", f"Action {n}", options)
    tables = directive(ext, "action-table", "", {"columns": "id, tracker", "status": "all"})
    return {f"doc.{ext}": source, f"tables.{ext}": title(ext, "Tables") + tables}


def action_lines(source: str) -> list[int]:
    return [
        n
        for n, line in enumerate(source.splitlines(), 1)
        if "{action}" in line or ".. action::" in line
    ]


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_a_tracker_other_than_http_is_refused_where_it_is_written(build: Builder, ext: str) -> None:
    # MyST's option parser itself rejects a tab in a value: not ours to test
    trackers = tuple(t for t in REFUSED_TRACKERS if ext == "rst" or "\t" not in t)
    files = tracker_project(ext, trackers)
    built = build(files)
    lines = action_lines(files[f"doc.{ext}"])
    warned = {}
    for warning in built.warnings:
        if m := re.match(rf"doc\.{ext}:(\d+): WARNING: action 'Action (\d+)': :tracker: ", warning):
            assert warning.endswith("[postmortem.action]")
            warned[int(m[2])] = int(m[1])
    assert warned == dict(enumerate(lines)), built.warnings
    for docname in ("doc", "tables"):
        for href in Page(built.html(docname)).hrefs():
            scheme = urlsplit(href.strip()).scheme.lower()
            assert scheme in ("", "http", "https"), href
    for action in built.export()["incidents"][0]["actions"]:
        assert action["tracker"] is None
        assert action["tracker_url"] is None


def test_a_tracker_key_becomes_an_http_link_only_through_the_configured_url(
    build: Builder,
) -> None:
    keys = ("OPS-1", "javascript&#58;alert(1)", "../../admin", "a\"onmouseover='x'", "%2e%2e")
    conf = CONF + 'postmortem_tracker_url = "https://tracker.example.com/browse/{}"\n'
    built = build(tracker_project("rst", keys), conf=conf)
    assert [w for w in built.warnings if "[postmortem." in w] == []
    actions = built.export()["incidents"][0]["actions"]
    assert [a["tracker"] for a in actions] == list(keys)
    prefix = "https://tracker.example.com/browse/"
    for action in actions:
        url = action["tracker_url"]
        assert url.startswith(prefix)
        # the key is one path segment: no way out of it, no way into the markup
        assert re.fullmatch(r"[A-Za-z0-9._~%-]+", url[len(prefix) :]), url
    for docname in ("doc", "tables"):
        hrefs = [h for h in Page(built.html(docname)).hrefs() if h.startswith(prefix)]
        assert sorted(hrefs) == sorted(a["tracker_url"] for a in actions)


def test_a_tracker_url_setting_other_than_http_is_refused(build: Builder) -> None:
    conf = CONF + "postmortem_tracker_url = \"JavaScript:alert('{}')\"\n"
    built = build(tracker_project("rst", ("OPS-1",)), conf=conf)
    line = conf.count("\n")
    assert built.warnings == [
        f"conf.py:{line}: WARNING: postmortem_tracker_url: expected an http(s) URL with {{}} "
        "for the key; using the default None [postmortem.config]"
    ]
    (action,) = built.export()["incidents"][0]["actions"]
    assert action["tracker"] == "OPS-1"
    assert action["tracker_url"] is None
    for docname in ("doc", "tables"):
        assert not any("alert" in href for href in Page(built.html(docname)).hrefs())


# -- ids and the anchors made from them -----------------------------------------

HOSTILE_ACTION_IDS = (
    'x"><script>alert(1)</script>',
    "a b",
    "../x",
    "<x>",
    "x;y",
    "-x",
    ".x",
    "x/y",
    "x#y",
    "javascript:alert(1)",
    "A-1\u202e",
    "{}",
)

ODD_INCIDENT_IDS = (
    "<img/src=x/onerror=alert(1)>",
    "INC-2024-001#frag",
    "../../x",
    "a&b'c\"d",
    "javascript:alert(1)",
    "日本-2024-001",
    "{}%s",
    "-",
)
SAFE_ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_an_action_id_with_hostile_characters_is_refused(build: Builder, ext: str) -> None:
    source = title(ext, "Ids") + directive(
        ext, "incident", "INC-2024-050", {"date": "2024-03-14", "severity": "SEV2"}
    )
    for n, action_id in enumerate(HOSTILE_ACTION_IDS):
        options = {"id": action_id, "owner": "team", "due": "2024-06-01"}
        source += directive(ext, "action", f"Action {n}", options)
    built = build({f"doc.{ext}": source})
    lines = action_lines(source)
    refused = [
        w
        for w in built.warnings
        if re.match(rf"doc\.{ext}:\d+: WARNING: action 'Action \d+': :id: .* is not an id", w)
    ]
    assert sorted(refused, key=lambda w: int(w.split(":")[1])) == [
        f"doc.{ext}:{line}: WARNING: action 'Action {n}': :id: {action_id!r} is not an id: "
        "use letters, digits, '-', '_' and '.' [postmortem.action]"
        for n, (line, action_id) in enumerate(zip(lines, HOSTILE_ACTION_IDS, strict=True))
    ]
    actions = built.export()["incidents"][0]["actions"]
    # refused, so each takes its default id, and its anchor is that id
    assert [a["id"] for a in actions] == [
        f"INC-2024-050-A{n}" for n in range(1, len(HOSTILE_ACTION_IDS) + 1)
    ]
    assert [a["url"] for a in actions] == [f"doc.html#{a['id']}" for a in actions]
    page = built.html("doc")
    assert "<script>alert(1)" not in page
    assert "<x>" not in page


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_an_odd_incident_id_still_gives_safe_anchors_and_links(build: Builder, ext: str) -> None:
    files = {
        f"odd{n}.{ext}": title(ext, f"Odd {n}")
        + directive(ext, "incident", incident_id, {"date": "2024-03-14", "severity": "SEV2"})
        + directive(ext, "action", "Fix it", {"owner": "team", "due": "2024-06-01"})
        for n, incident_id in enumerate(ODD_INCIDENT_IDS)
    }
    files[f"tables.{ext}"] = (
        title(ext, "Tables")
        + directive(ext, "incident-table", "", {"columns": "id, title"})
        + directive(ext, "action-table", "", {"columns": "id, incident"})
    )
    built = build(files)
    line = 4 if ext == "rst" else 3
    for n, incident_id in enumerate(ODD_INCIDENT_IDS):
        assert (
            f"odd{n}.{ext}:{line}: WARNING: {incident_id}: the id does not match "
            f"postmortem_id_pattern '[A-Z][A-Z0-9]*-\\\\d{{4}}-\\\\d{{3,}}' [postmortem.incident]"
        ) in built.warnings

    incidents = built.export()["incidents"]
    assert [i["id"] for i in incidents] == list(ODD_INCIDENT_IDS)  # recorded as written
    for record in [*incidents, *(a for i in incidents for a in i["actions"])]:
        page, _, fragment = record["url"].partition("#")
        assert re.fullmatch(r"odd\d\.html", page), record["url"]
        assert SAFE_ANCHOR.fullmatch(fragment), record["url"]

    for docname in [*(f"odd{n}" for n in range(len(ODD_INCIDENT_IDS))), "tables"]:
        source = built.html(docname)
        page = Page(source)
        assert "<img" not in source
        for tag, attrs in page.tags:
            if "id" in attrs:
                assert SAFE_ANCHOR.fullmatch(attrs["id"] or ""), (docname, tag, attrs)
        for href in page.hrefs():
            parts = urlsplit(href)
            assert parts.scheme in ("", "http", "https"), href
            if parts.fragment:
                assert SAFE_ANCHOR.fullmatch(parts.fragment), (docname, href)
    table = Page(built.html("tables"))
    for incident_id in ODD_INCIDENT_IDS:
        assert table.shows(incident_id)
