"""incident-metrics and the charts: the numbers, the tables, and the pictures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from browser import Opener
from conftest import Builder
from test_knowledge_base import build_kb, copy_kb

from sphinx_postmortem.metrics import compute, periods_between
from sphinx_postmortem.records import Action, Incident

UTC = dt.UTC


def incident(key: str, day: str, severity: str, **minutes: int) -> Incident:
    date = dt.date.fromisoformat(day)
    start = dt.datetime.combine(date, dt.time(10), UTC)
    times = {"started": start}
    times.update({name: start + dt.timedelta(minutes=m) for name, m in minutes.items()})
    return Incident(
        id=key, docname=key, line=1, anchor=key, date=date, severity=severity, times=times
    )


def action(
    key: str, incident_id: str, status: str, due: str, completed: str | None = None
) -> Action:
    return Action(
        docname=incident_id,
        line=1,
        title=key,
        id=key,
        incident=incident_id,
        owner="team",
        due=dt.date.fromisoformat(due),
        status=status,
        completed=dt.date.fromisoformat(completed) if completed else None,
    )


INCIDENTS = [
    incident("A", "2024-01-10", "SEV1", detected=10, mitigated=30, resolved=120),
    incident("B", "2024-03-05", "SEV2", detected=5, resolved=60),
    incident("C", "2024-03-20", "SEV1", detected=20, resolved=180),
]
ACTIONS = [
    action("A1", "A", "done", "2024-02-01", completed="2024-02-15"),
    action("A2", "A", "open", "2024-01-31"),
    action("B1", "B", "wont-do", "2024-04-01"),
    action("C1", "C", "in-progress", "2024-12-01"),
    action("C2", "C", "done", "2024-04-01"),
    action("X1", "not-shown", "open", "2024-01-01"),  # another incident's, filtered out
]
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]


def test_numbers_by_month() -> None:
    metrics = compute(INCIDENTS, ACTIONS, SEVERITIES, "month", dt.date(2024, 5, 1))
    assert metrics.periods == ["2024-01", "2024-02", "2024-03"]
    # a month without incidents is there, with zero
    assert [dict(metrics.counts[p]) for p in metrics.periods] == [
        {"SEV1": 1},
        {},
        {"SEV1": 1, "SEV2": 1},
    ]
    assert metrics.counts["2024-02"]["SEV1"] == 0
    assert metrics.ttr_by_period == {"2024-01": 7200, "2024-03": 7200}  # median of 1 h and 3 h
    everything = metrics.durations["all"]
    assert (everything["ttd"].mean, everything["ttd"].median) == (700, 600)
    assert (everything["ttm"].count, everything["ttm"].mean) == (1, 1800)  # only A gives one
    assert (everything["ttr"].mean, everything["ttr"].median) == (7200, 7200)
    assert (metrics.durations["SEV1"]["ttd"].mean, metrics.durations["SEV1"]["ttr"].median) == (
        900,
        9000,
    )
    assert metrics.sizes == {"all": 3, "SEV1": 2, "SEV2": 1}
    assert dict(metrics.actions) == {
        "open": 2,
        "overdue": 1,
        "done": 2,
        "wont-do": 1,
        "done-undated": 1,
    }
    # created on the incident's date, completed on :completed:, both counted so far
    assert metrics.burndown == {"2024-01": (2, 0), "2024-02": (2, 1), "2024-03": (5, 1)}


def test_numbers_by_quarter() -> None:
    metrics = compute(INCIDENTS, ACTIONS, SEVERITIES, "quarter", dt.date(2024, 5, 1))
    assert metrics.periods == ["2024-Q1"]
    assert metrics.counts["2024-Q1"] == {"SEV1": 2, "SEV2": 1}
    assert metrics.burndown == {"2024-Q1": (5, 1)}


def test_periods_cross_years() -> None:
    assert periods_between(dt.date(2023, 11, 5), dt.date(2024, 2, 1), "month") == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    ]
    assert periods_between(dt.date(2023, 11, 5), dt.date(2024, 4, 1), "quarter") == [
        "2023-Q4",
        "2024-Q1",
        "2024-Q2",
    ]


A = """\
INC-2024-001: One
=================

.. incident:: INC-2024-001
   :date: 2024-01-10
   :severity: SEV1
   :started: 10:00
   :detected: 10:10
   :resolved: 12:00
"""
B = (
    A.replace("001", "002")
    .replace("One\n=================", "Two\n=================")
    .replace("2024-01-10", "2024-03-05")
    .replace("SEV1", "SEV2")
)
METRICS = "Metrics\n=======\n\n.. incident-metrics::\n{}\n"


def test_metrics_in_html_and_text(build: Builder, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {"a.rst": A, "b.rst": B, "metrics.rst": METRICS.format("")}
    built = build(files, srcdir=tmp_path_factory.mktemp("html"))
    page = built.html("metrics")
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(charts) == 3  # incidents per month, time to resolve, burn-down
    assert len(re.findall(r'<rect class="pm-bar', charts[0])) == 2
    assert 'aria-label="Incidents per month, by severity"' in charts[0]
    assert "<desc>2024-01: 1; 2024-02: 0; 2024-03: 1</desc>" in charts[0]
    assert 'id="INC-2024-001"' in built.html("a")
    assert 'aria-label="INC-2024-001: lifecycle"' in built.html("a")

    text = build(files, buildername="text", srcdir=tmp_path_factory.mktemp("text")).text("metrics")
    assert "| 2024-02   | 0      | 0      | 0      | 0      | 0       |" in text
    assert "<svg" not in text
    assert "| All        | 2           | 10 min" in text


def test_bad_period_and_empty_result(build: Builder) -> None:
    built = build(
        {"a.rst": A, "metrics.rst": METRICS.format("   :period: week\n   :severity: SEV4")}
    )
    assert [w for w in built.warnings if "postmortem.table" in w] == [
        "metrics.rst:4: WARNING: incident-metrics: :period: 'week' is not one of month, quarter [postmortem.table]"
    ]
    assert '<p class="pm-empty">No incidents match (severity SEV4).</p>' in built.html("metrics")


MEASURE = """() => [...document.querySelectorAll("svg.pm-chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {label: svg.getAttribute("aria-label"), width: box.width, height: box.height,
          bars: svg.querySelectorAll("rect.pm-bar").length,
          points: svg.querySelectorAll("circle.pm-point").length,
          overlaps: overlapping([...svg.querySelectorAll("text")])};
})"""
OVERLAPPING = """const overlapping = (texts) => {
  const boxes = texts.map((t) => t.getBoundingClientRect()).filter((b) => b.width > 0);
  let found = 0;
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    // a gap of 4 px at least, so that two labels never read as one
    if (a.left < b.right + 4 && b.left < a.right + 4 && a.top < b.bottom && b.top < a.bottom) {
      found += 1;
    }
  }));
  return found;
};"""


def measure(open_page: Opener, page: Path) -> list[dict[str, object]]:
    """What the browser drew for each chart on the page, and a screenshot of it."""
    tab = open_page(page, width=1280, height=2000)
    assert tab.screenshot(page.stem).stat().st_size > 10_000
    assert tab.console == []
    tab.page.add_script_tag(content=OVERLAPPING.replace("const overlapping", "window.overlapping"))
    charts: list[dict[str, object]] = tab.page.evaluate(MEASURE)
    return charts


def test_charts_are_drawn_in_a_browser(build: Builder, open_page: Opener, tmp_path: Path) -> None:
    built = build_kb(build, copy_kb(tmp_path))
    charts = measure(open_page, built.outdir / "index.html")
    assert [c["label"] for c in charts] == [
        "Incidents per quarter, by severity",
        "Median time to resolve per quarter, in hours",
        "Action burn-down per quarter: created and completed, so far",
    ]
    assert all(c["width"] > 300 and c["height"] > 100 for c in charts), charts
    assert [c["overlaps"] for c in charts] == [0, 0, 0]  # no label over another
    # 2017-Q1 to 2019-Q4, the last completed action's quarter, empty quarters included
    quarters = 12
    assert charts[0]["bars"] == 4 - 1  # two incidents share 2017-Q1's one SEV1 bar
    assert charts[1]["points"] == 3  # the quarters with a resolved incident
    assert charts[2]["points"] == 2 * quarters

    (incident_page,) = (built.outdir / "2018").glob("*.html")
    (lifecycle,) = measure(open_page, incident_page)
    assert lifecycle["label"] == "INC-2018-001: lifecycle"
    assert lifecycle["bars"] == 3  # detect, mitigate, resolve
    assert lifecycle["width"] > 300
