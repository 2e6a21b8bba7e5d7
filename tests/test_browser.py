"""The tables as a reader uses them in a browser: they fit, they filter, they sort.

A knowledge base with many actions, long ids (``PM2019-009-A1``) and long
titles is built in furo and in alabaster, opened from file:// in chromium and
looked at in a phone's, a tablet's, a laptop's and a desktop's window. The
screenshots stay in pytest's temporary folder for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import Opener, Tab
from conftest import CONF, Builder

pytestmark = pytest.mark.filterwarnings(r"ignore:'myst_parser\.sphinx_ext\.myst_refs")

WIDTHS = (375, 768, 1280, 1600)
#: (started, resolved) per incident: the times to resolve sort as 45 min < 3 h 5 min < 1 d 2 h
DURATIONS = {3: "10:45", 5: "13:05", 9: "2019-03-10 12:00"}
OWNERS = ("platform-reliability-engineering", "payments-team", "storage", "edge-networking")
PRIORITIES = ("high", "medium", "low")


def incident_page(number: int) -> str:
    key = f"PM2019-00{number}"
    title = f"{key}: Requests to the regional object store time out behind the new gateway"
    resolved = DURATIONS.get(number, "11:03")
    actions = "".join(
        f"""
.. action:: Add a synthetic check that reads and writes one object in every region {n}
   :id: {key}-A{n}
   :owner: {OWNERS[(number + n) % len(OWNERS)]}
   :due: 2024-0{(number + n) % 9 + 1}-15
   :status: {"in-progress" if n == 2 else "open"}
   :priority: {PRIORITIES[(number * n) % len(PRIORITIES)]}
   :type: detect
"""
        for n in range(1, 5)
    )
    return f"""{title}
{"=" * len(title)}

.. incident:: {key}
   :date: 2019-03-0{number}
   :severity: SEV{number % 3 + 1}
   :status: final
   :owner: {OWNERS[number % len(OWNERS)]}
   :services: object-store-gateway-eu-west-1, authentication
   :started: 2019-03-0{number} 10:00
   :detected: 10:20
   :resolved: {resolved}

   The gateway's connection pool was smaller than the old proxy's.
{actions}"""


INDEX = """\
Knowledge base
==============

.. toctree::
   :glob:

   incidents/*

Incidents
---------

.. incident-table::

Open actions
------------

.. action-table::

Every column
------------

.. incident-table::
   :columns: id, title, date, severity, status, owner, services, ttd, ttm, ttr, open-actions

.. action-table::
   :columns: id, action, owner, due, status, priority, type, incident, severity, tracker
"""

SETTINGS = f"""
postmortem_id_pattern = r"PM\\d{{4}}-\\d{{3}}"
postmortem_priorities = {list(PRIORITIES)!r}
postmortem_default_priority = "medium"
"""
#: set as an override: Sphinx's test application otherwise swaps alabaster for "basic"
THEMES = ("furo", "alabaster")


def build_kb(build: Builder, theme: str) -> Path:
    files = {f"incidents/pm2019-00{n}.rst": incident_page(n) for n in (1, 2, 3, 5, 7, 9)}
    built = build(
        {"index.rst": INDEX, **files}, conf=CONF + SETTINGS, confoverrides={"html_theme": theme}
    )
    # some actions are overdue on purpose: their rows are marked
    assert [w for w in built.warnings if "[postmortem.overdue]" not in w] == []
    return built.outdir / "index.html"


#: each table's scrolling box (the table itself, or furo's wrapper) and how it fits
TABLE_BOXES = """() => [...document.querySelectorAll("table.pm-table")].map((table) => {
  const box = getComputedStyle(table).overflowX === "auto" ? table : table.parentElement;
  return {right: box.getBoundingClientRect().right, scrolls: box.scrollWidth > box.clientWidth,
          table: Math.round(table.scrollWidth), column: Math.round(box.clientWidth),
          scrollable: getComputedStyle(box).overflowX === "auto"};
})"""


def column(tab: Tab, selector: str, name: str) -> list[str]:
    """The text of a column's cells in the rows shown, top to bottom."""
    return [
        text.strip()
        for text in tab.page.locator(
            f"{selector} tbody tr:not([hidden]) td.pm-col-{name}"
        ).all_text_contents()
    ]


@pytest.mark.parametrize("theme", THEMES)
def test_tables_fit_every_window(build: Builder, open_page: Opener, theme: str) -> None:
    tab = open_page(build_kb(build, theme))
    for width in WIDTHS:
        tab.width(width)
        tab.screenshot(f"{theme}-{width}")
        assert tab.overflow() == 0, f"{theme} at {width} px"
        for box in tab.page.evaluate(TABLE_BOXES):
            # a table wider than the column scrolls inside its own box
            assert box["right"] <= width, (theme, width, box)
            assert box["scrollable"] or not box["scrolls"], (theme, width, box)
        if width >= 1280:  # on a laptop or wider, the default columns fit without scrolling
            default_columns = tab.page.evaluate(TABLE_BOXES)[:2]
            assert not any(b["scrolls"] for b in default_columns), (theme, width, default_columns)
    assert tab.console == []


ACTIONS = "#open-actions table.pm-action-table"
INCIDENTS = "#incidents table.pm-incident-table"


def test_search_box_filters_rows_and_keeps_the_view_in_the_url(
    build: Builder, open_page: Opener
) -> None:
    index = build_kb(build, "furo")
    tab = open_page(index)
    page = tab.page
    assert len(column(tab, ACTIONS, "id")) == 24
    search = page.locator("#open-actions").get_by_label("Filter actions")
    assert search.get_attribute("type") == "search"
    assert page.get_by_role("status").nth(1).text_content() == "24 actions"

    search.press_sequentially("payments P")
    shown = column(tab, ACTIONS, "owner")
    assert shown and set(shown) == {"payments-team"} and len(shown) < 24
    # the hidden rows are still in the page, marked hidden
    assert page.locator(f"{ACTIONS} tbody tr[hidden]").count() == 24 - len(shown)
    assert page.get_by_role("status").nth(1).text_content() == f"{len(shown)} of 24 actions shown"
    assert page.url.endswith("#pm-filter-2=payments+P")

    # the link opens the same view
    again = open_page(Path(index))
    again.page.goto(page.url)
    again.page.reload()
    assert (
        again.page.locator("#open-actions").get_by_label("Filter actions").input_value()
        == "payments P"
    )
    assert column(again, ACTIONS, "owner") == shown
    assert len(column(again, INCIDENTS, "id")) == 6  # the other table is left as it was

    search.fill("")
    assert len(column(tab, ACTIONS, "id")) == 24
    assert "#" not in page.url
    assert tab.console == again.console == []


def test_headers_sort_in_the_order_a_reader_expects(build: Builder, open_page: Opener) -> None:
    tab = open_page(build_kb(build, "furo"))
    page = tab.page
    header = page.locator(f"{ACTIONS} th").filter(has_text="Priority")
    button = header.get_by_role("button", name="Priority", exact=True)
    button.focus()
    page.keyboard.press("Enter")  # keyboard-usable
    assert header.get_attribute("aria-sort") == "ascending"
    priorities = column(tab, ACTIONS, "priority")
    # in the configured order (high, medium, low), not the alphabet's
    assert priorities == sorted(priorities, key=PRIORITIES.index)
    assert priorities[0] == "high" and priorities[-1] == "low"

    button.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert column(tab, ACTIONS, "priority") == sorted(priorities, key=PRIORITIES.index)[::-1]

    due = page.locator(f"{ACTIONS} th").filter(has_text="Due")
    due.get_by_role("button").click()
    assert due.get_attribute("aria-sort") == "ascending"
    assert header.get_attribute("aria-sort") is None
    dates = [d[:10] for d in column(tab, ACTIONS, "due")]
    assert dates == sorted(dates) and dates[0] < dates[-1]

    # durations by length, not as text: 45 min < 1 h 3 min < 3 h 5 min < 1 d 2 h
    page.locator(f"{INCIDENTS} th").get_by_role("button", name="Time to resolve").click()
    assert column(tab, INCIDENTS, "ttr") == ["45 min", *["1 h 3 min"] * 3, "3 h 5 min", "1 d 2 h"]
    assert "pm-sort=ttr" in page.url and "pm-sort-2=due" in page.url
    assert tab.console == []


def test_tables_are_complete_without_javascript(build: Builder, open_page: Opener) -> None:
    tab = open_page(build_kb(build, "alabaster"), width=375, javascript=False)
    assert tab.page.locator("input[type=search], button").count() == 0
    assert len(column(tab, ACTIONS, "id")) == 24
    assert tab.page.locator(f"{ACTIONS} th").all_text_contents()[:2] == ["Id", "Action"]
    assert tab.overflow() == 0


@pytest.mark.parametrize("theme", THEMES)
def test_an_unchanged_rebuild_keeps_its_configuration(build: Builder, theme: str) -> None:
    files = {"incidents/pm2019-001.rst": incident_page(1)}
    theme_override = {"html_theme": theme}
    first = build({"index.rst": INDEX, **files}, conf=CONF + SETTINGS, confoverrides=theme_override)
    second = build(confoverrides=theme_override)
    assert "configuration has changed" not in first.app.status.getvalue()
    status = second.app.status.getvalue()
    if theme == "furo":
        # furo registers pygments_dark_style when its theme loads, after Sphinx
        # compared the configurations: furo's to fix, not ours
        status = status.replace(
            "The configuration has changed (1 option: 'pygments_dark_style')", ""
        )
    assert "configuration has changed" not in status
    assert "0 added, 0 changed, 0 removed" in status
    for name in ("postmortem.css", "postmortem-tables.js"):
        assert (second.outdir / "_static" / name).is_file()
        assert f"_static/{name}" in second.html("index")


CHART_TEXT = """() => [...document.querySelectorAll("svg.pm-chart")].map((svg) => {
  const view = svg.viewBox.baseVal;
  const luminance = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const page = luminance(getComputedStyle(document.body).backgroundColor);
  return [...svg.querySelectorAll("text.pm-tick")].map((text) => {
    const box = text.getBBox();
    const ink = luminance(getComputedStyle(text).fill);
    return {text: text.textContent, left: box.x, right: box.x + box.width, top: box.y,
            bottom: box.y + box.height, width: view.width, height: view.height,
            contrast: (Math.max(ink, page) + 0.05) / (Math.min(ink, page) + 0.05)};
  });
})"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_lifecycle_labels_are_never_clipped(build: Builder, open_page: Opener, scheme: str) -> None:
    # mitigated a minute before it was resolved: the two labels meet at the right edge
    page = incident_page(1).replace(":resolved: 11:03", ":mitigated: 11:02\n   :resolved: 11:03")
    built = build(
        {"incidents/pm2019-001.rst": page},
        conf=CONF + SETTINGS,
        confoverrides={"html_theme": "furo"},
    )
    tab = open_page(built.outdir / "incidents" / "pm2019-001.html")
    tab.page.emulate_media(color_scheme=scheme)  # furo follows the system's scheme
    (labels,) = tab.page.evaluate(CHART_TEXT)
    tab.screenshot(f"lifecycle-{scheme}")
    assert [label["text"] for label in labels] == [
        "started",
        "detected +20 min",
        "mitigated +1 h 2 min",
        "resolved +1 h 3 min",
    ]
    for label in labels:
        assert label["left"] >= 0 and label["right"] <= label["width"], label
        assert label["top"] >= 0 and label["bottom"] <= label["height"], label
        assert label["contrast"] >= 4.5, label  # readable on the page, light or dark
    for i, label in enumerate(labels):
        assert not any(overlaps(label, other) for other in labels[i + 1 :]), label
    assert tab.console == []


def test_action_boxes_are_padded_in_furo(build: Builder, open_page: Opener) -> None:
    # furo-extensions.css, loaded after ours, sets every .container's padding to 0
    built = build(
        {"incidents/pm2019-001.rst": incident_page(1)},
        conf=CONF + SETTINGS,
        confoverrides={"html_theme": "furo"},
    )
    tab = open_page(built.outdir / "incidents" / "pm2019-001.html")
    paddings = tab.page.eval_on_selector_all(
        "div.pm-action",
        "boxes => boxes.map(b => parseFloat(getComputedStyle(b).paddingLeft))",
    )
    assert len(paddings) == 4 and min(paddings) >= 8, paddings
