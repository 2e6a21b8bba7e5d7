"""The same sources give the same bytes: build after build, and serial or parallel.

Compared: every HTML page (the post-mortems, the table pages, the index
pages Sphinx and we generate) and ``postmortem.json``. On Sphinx 9 every other
output file (``searchindex.js``, ``objects.inv``, ``.buildinfo``, ``_static``)
is identical too, but those are Sphinx's, so they are not asserted here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONF, Built, example, write_project
from corpus import corpus
from robust import build_project, pages

TABLES = """\
Tables
======

.. action-table::
   :status: all
   :columns: id, action, owner, due, status, priority, type, incident, severity, tracker
   :sort: -severity, due

.. action-table::
   :overdue:

.. incident-table::
   :columns: id, title, date, severity, status, owner, services, ttd, ttm, ttr, open-actions

See :incident:`INC-2024-007` and :action:`FAILOVER-DRILL`.
"""

#: More than five documents (Sphinx reads in parallel only then), in both
#: syntaxes, with tables, references, overdue actions and broken input.
SOURCES = {
    **corpus(6),
    "full.rst": example("full.rst"),
    "tables-example.md": example("tables.md"),
    "bad-fields.rst": example("bad-fields.rst"),
    "timeline-problems.md": example("timeline-problems.md"),
    "tables.rst": TABLES,
}
OUR_PAGES = ("full.html", "tables.html", "tables-example.html", "incidents/inc001.html")


def outputs(built: Built) -> dict[str, bytes]:
    found = pages(built.outdir)
    found["postmortem.json"] = (built.outdir / "postmortem.json").read_bytes()
    return found


def assert_same(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], differ


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_project(tmp_path_factory.mktemp("serial") / "src", SOURCES)


def test_the_sources_show_what_is_compared(serial: Built) -> None:
    """Not vacuous: our pages hold records, tables, overdue marks and warnings."""
    for name in OUR_PAGES:
        assert name in pages(serial.outdir)
    tables = serial.html("tables")
    assert tables.count('class="pm-table') == 3
    assert "pm-overdue" in tables
    data = serial.export()
    assert data["today"] == "2024-05-01"
    assert len(data["incidents"]) == 10
    assert any("[postmortem." in w for w in serial.warnings)


def test_two_builds_give_the_same_bytes(
    serial: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # another folder: nothing of the first build's path may leak into the output
    again = build_project(tmp_path_factory.mktemp("again") / "elsewhere" / "src", SOURCES)
    assert_same(outputs(serial), outputs(again))
    assert again.warnings == serial.warnings


def test_a_parallel_build_gives_the_same_bytes(
    serial: Built, tmp_path_factory: pytest.TempPathFactory, merged: list[str]
) -> None:
    parallel = build_project(tmp_path_factory.mktemp("parallel") / "src", SOURCES, parallel=2)
    assert len(merged) == len(SOURCES) + 1  # and index.rst: all read by workers
    assert_same(outputs(serial), outputs(parallel))
    assert sorted(parallel.warnings) == sorted(serial.warnings)


def test_source_date_epoch_gives_the_same_bytes_and_decides_today(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = CONF.replace('postmortem_today = "2024-05-01"\n', "")
    assert "postmortem_today" not in conf
    epoch = int(dt.datetime(2024, 6, 15, 23, 30, tzinfo=dt.UTC).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    first = build_project(tmp_path_factory.mktemp("epoch1") / "src", SOURCES, conf=conf)
    second = build_project(tmp_path_factory.mktemp("epoch2") / "src", SOURCES, conf=conf)
    assert_same(outputs(first), outputs(second))
    data = first.export()
    assert data["today"] == "2024-06-15"  # the UTC date of the epoch, not the local date
    open_actions = [
        a
        for i in data["incidents"]
        for a in i["actions"]
        if a["status"] in ("open", "in-progress") and a["due"]
    ]
    assert {a["overdue"] for a in open_actions} == {True, False}
    for action in open_actions:
        assert action["overdue"] == (action["due"] < "2024-06-15"), action


HASH_SEED_SOURCE = """\
Tables
======

.. action-table::
   :status: open, closed, pending, blocked, later
   :columns: id, who, what, when
"""


def sphinx_build_warnings(srcdir: Path, seed: int) -> list[str]:
    """Our warnings from a ``sphinx-build`` run in a fresh process with that hash seed."""
    outdir = srcdir.parent / f"out-{seed}"
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "dummy", "-q", "-E", str(srcdir), str(outdir)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    text = result.stderr.replace(str(srcdir) + "/", "")
    return [line for line in text.splitlines() if "[postmortem." in line]


def test_warnings_come_in_the_order_written_whatever_the_hash_seed(tmp_path: Path) -> None:
    """They came in set order, which changed from one sphinx-build to the next (35115c9)."""
    write_project(tmp_path / "src", {"index.rst": HASH_SEED_SOURCE})
    expected = [
        f"index.rst:4: WARNING: action-table: :{option}: {value!r} is not one of "
        for option, values in (
            ("status", ("closed", "pending", "blocked", "later")),
            ("columns", ("who", "what", "when")),
        )
        for value in values
    ]
    for seed in (1, 2):
        warnings = sphinx_build_warnings(tmp_path / "src", seed)
        assert len(warnings) == len(expected), warnings
        assert [re.sub(r"(is not one of ).*", r"\1", w) for w in warnings] == expected


MARKUP_ERRORS = {
    "errors.rst": """\
Markup errors
=============

.. incident:: INC-2024-100
   :date: 2024-03-14
   :severity: SEV2

.. timeline::

   - 09:00 [started] Checkout fails for *all users.
""",
    "errors-md.md": """\
# Markup errors

```{incident} INC-2024-101
:date: 2024-03-14
:severity: SEV2
```

```{timeline}
- 09:00 [started] Checkout fails {unknownrole}`x`
```
""",
}


def test_the_export_holds_the_writers_text_and_no_path_of_the_build_machine(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    srcdir = tmp_path_factory.mktemp("machine") / "src"
    built = build_project(srcdir, MARKUP_ERRORS)
    assert len(built.warnings) == 2  # docutils' and MyST's, about the markup
    exported = (built.outdir / "postmortem.json").read_text(encoding="utf-8")
    assert str(srcdir) not in exported
    rst, md = (i["timeline"][0]["text"] for i in built.export()["incidents"])
    assert rst == "Checkout fails for *all users."
    assert md.startswith("Checkout fails")
    assert "(WARNING/2)" not in md and "(INFO/1)" not in md
