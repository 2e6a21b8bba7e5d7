"""Serial, parallel and incremental builds agree, and nothing crashes."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import CONF, Builder, example
from corpus import corpus, incident_rst


def test_fifty_incidents_build_without_warnings(build: Builder) -> None:
    built = build(corpus(50))
    assert built.warnings == []
    data = built.export()
    assert len(data["incidents"]) == 50
    assert sum(len(i["actions"]) for i in data["incidents"]) == 100
    assert data["incidents"][0]["durations"] == {
        "time_to_detect": 600,
        "time_to_mitigate": 2400,
        "time_to_resolve": 3600,
    }


def test_parallel_build_gives_the_same_records_as_serial(
    build: Builder, tmp_path_factory: pytest.TempPathFactory, merged: list[str]
) -> None:
    files = {**corpus(12), "broken.rst": example("bad-fields.rst")}
    serial = build(files, srcdir=tmp_path_factory.mktemp("serial"))
    merged.clear()  # count the parallel build's merges only
    parallel = build(files, srcdir=tmp_path_factory.mktemp("parallel"), parallel=2)

    assert len(merged) == 14  # every document was read by a worker and merged
    assert parallel.export() == serial.export()
    assert sorted(parallel.warnings) == sorted(serial.warnings)


def test_incremental_build_after_edit_add_and_delete(build: Builder, tmp_path: Path) -> None:
    srcdir = tmp_path / "src"
    first = build(corpus(3), srcdir=srcdir).export()
    assert [i["id"] for i in first["incidents"]] == ["INC-2024-001", "INC-2024-002", "INC-2024-003"]

    # edit: an action's status changes
    path = srcdir / "incidents/inc001.rst"
    path.write_text(path.read_text().replace(":status: done", ":status: open"))
    # add a document, delete another
    (srcdir / "incidents/inc004.rst").write_text(incident_rst(4))
    (srcdir / "incidents/inc002.rst").unlink()
    second = build(srcdir=srcdir)

    data = second.export()
    assert [i["id"] for i in data["incidents"]] == ["INC-2024-001", "INC-2024-003", "INC-2024-004"]
    statuses = [a["status"] for a in data["incidents"][0]["actions"]]
    assert statuses == ["open", "wont-do"]
    assert "incidents/inc001" in second.app.status.getvalue()
    reading = second.app.status.getvalue().split("reading sources")[-1].split("looking for")[0]
    assert "incidents/inc003" not in reading  # not read again (written: the menu changed)
    assert second.warnings == []


def test_environment_pickle_round_trips(build: Builder) -> None:
    built = build({"doc.rst": example("full.rst"), "orphan.rst": example("orphan.rst")})
    with open(Path(built.app.doctreedir, "environment.pickle"), "rb") as f:
        env = pickle.load(f)
    stored = env.domaindata["postmortem"]
    live = built.app.env.domaindata["postmortem"]
    for key in ("incidents", "timelines", "actions"):
        assert stored[key] == live[key]
    assert stored["incidents"]["doc"].times["mitigated"].isoformat() == "2024-03-14T08:41:00+00:00"
    # nothing but plain records: no docutils node in the pickle
    assert b"docutils.nodes" not in pickle.dumps(stored)


BROKEN = """\
Broken
======

.. incident::
   :date:

.. incident:: ""
   :date: 9999-99-99
   :started: 99:99
   :timezone: ../../etc/passwd

.. timeline::

.. timeline::
   :timezone:

   Not a list.

.. timeline::

   - 25:61 nonsense
   -
   - 2024-01-01T00:00:00+99:00 bad offset
   - 00:00 [started]

.. action::

.. action:: x
   :due: 0000-00-00
   :tracker: http://
   :priority:
"""

BROKEN_MD = """\
# Broken

```{incident} X
:date:
:timezone: Nowhere/Else
```

```{timeline}
- 25:61 a
-
- 2024-01-01T00:00:00+99:00 bad offset
```

```{action} y
:tracker: ftp://x
:priority:
```
"""


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_broken_input_never_crashes(build: Builder, ext: str) -> None:
    built = build({f"doc.{ext}": BROKEN if ext == "rst" else BROKEN_MD})
    output = built.app.status.getvalue() + built.app.warning.getvalue()
    assert "Traceback" not in output
    assert "Exception" not in output
    assert (built.outdir / "doc.html").is_file()
    ours = [w for w in built.warnings if "[postmortem." in w]
    assert ours
    assert all(w.startswith(f"doc.{ext}:") for w in ours), ours


def test_bad_configuration_values_warn_and_fall_back(build: Builder) -> None:
    conf = CONF + (
        'postmortem_timezone = "Mars/Base"\n'
        'postmortem_severities = "SEV1"\n'
        'postmortem_id_pattern = "[unclosed"\n'
        'postmortem_default_priority = "P9"\n'
        'postmortem_tracker_url = "javascript:{}"\n'
        'postmortem_today = "someday"\n'
    )
    built = build({"doc.rst": example("full.rst")}, conf=conf)
    config_warnings = sorted(w for w in built.warnings if "postmortem.config" in w)
    # each at the line of conf.py that sets the value
    assert {w.split(" WARNING: ")[0] for w in config_warnings} == {
        f"conf.py:{n}:" for n in range(5, 11)
    }
    assert any("postmortem_timezone: 'Mars/Base' is not a time zone" in w for w in config_warnings)
    # the build went on with the defaults
    assert built.export()["incidents"][0]["severity"] == "SEV2"


def test_the_dummy_builder_warns_and_exports_as_html_does_without_drawing(
    build: Builder, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sphinx_postmortem.action import ActionBlock

    drawn: list[str] = []
    original = ActionBlock.render
    monkeypatch.setattr(
        ActionBlock, "render", lambda self, ctx: drawn.append(ctx.docname) or original(self, ctx)
    )
    files = {
        **corpus(3),
        "broken.rst": example("bad-fields.rst"),
        "tables.rst": "Tables\n======\n\n.. action-table::\n   :status: bogus\n\n"
        ".. incident-table::\n\n.. incident-metrics::\n",
    }
    html = build(files, srcdir=tmp_path_factory.mktemp("html"))
    assert drawn  # the html pages were drawn
    drawn.clear()
    dummy = build(files, buildername="dummy", srcdir=tmp_path_factory.mktemp("dummy"))

    assert drawn == []
    assert without_urls(dummy.export()) == without_urls(html.export())  # no pages, no URLs
    assert "tables.rst:4: WARNING: action-table: :status: 'bogus'" in "\n".join(dummy.warnings)
    assert [w for w in dummy.warnings if "[postmortem." in w] == [
        w for w in html.warnings if "[postmortem." in w
    ]


def without_urls(data: object) -> object:
    if isinstance(data, dict):
        return {key: without_urls(value) for key, value in data.items() if key != "url"}
    if isinstance(data, list):
        return [without_urls(value) for value in data]
    return data
