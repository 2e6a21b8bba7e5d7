"""``sphinx-postmortem import``: the shapes real post-mortems take, as pages that build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import CONF, Builder

from sphinx_postmortem import cli
from sphinx_postmortem.importer import Converted, convert, parse_due, resolve_zone

SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
MYST_CONF = CONF + 'myst_enable_extensions = ["colon_fence"]\n'

# Fixtures written for these tests, one per shape a team's archive takes.

BOLD_AND_TABLES = """\
# Search results went stale

**Date:** 2024-06-12
**Severity:** Sev 2
**Services:** search, indexer

## Summary

The indexer stopped picking up new documents, so search showed
yesterday's catalogue for most of a morning.

## Timeline

| Time (UTC) | Event | Who |
| --- | --- | --- |
| 2024-06-12 07:40 | Index refresh job starts and stalls. | scheduler |
| 08:05 | Support forwards the first report \\| a pipe in the text. | support |
| 08:30 | Refresh job restarted by hand. | |

## Action items

| Status | Action | Owner | Due | Bug | Type |
| --- | --- | --- | --- | --- | --- |
| Done | Alert when the index is older than one hour | search-team | 2024-07-01 | SRCH-12 | Detection |
| In progress | Make the refresh job resumable | indexer-team | 15/08/2024 | | Prevent |
| Open | Write the restart runbook | | next quarter | | |

## Notes from the review

This section is ours alone and stays as it was.
"""

FRONT_MATTER_AND_LINES = """\
---
title: Payments queue backed up
date: 2024-06-20
severity: critical
labels: [payments, queue]
reviewers: Ana, Wei
---

All times are CET/CEST.

## Timeline

### 2024-06-20

- 09:12 — Queue depth alert fires.
- ~09:30 Consumers scaled from 4 to 12.
- ??:?? Someone notices the dead-letter queue is full.
- 10:00 UTC Vendor confirms a fix on their side.

### Friday 21 June 2024

- 08:15 Backlog drained.

## Follow-up

- [x] Raise the dead-letter queue limit (@payments-team, due 2024-06-25)
- [ ] Run `terraform plan` in CI step (@platform, due June 28)
- [ ] Page on dead-letter growth
"""

TOML_AND_NUMBERED = (
    "+++\r\n"
    'title = "Login page timed out"\r\n'
    'date = "2023-11-02"\r\n'
    'severity = "SEV3"\r\n'
    "+++\r\n"
    "\r\n"
    "## Summary   \r\n"
    "\r\n"
    "Logins timed out for users of the\tnew identity provider.  \r\n"
    "\r\n"
    "## Timeline\r\n"
    "\r\n"
    "| Date | Time | Event |\r\n"
    "| --- | --- | --- |\r\n"
    "| 2023-11-02 | 13:05 | Certificate on the identity provider expires. |\r\n"
    "| 2023-11-02 | 13:20 | [detected] Login error rate alert. |\r\n"
    "\r\n"
    "## Action Items\r\n"
    "\r\n"
    "1. Monitor certificate expiry\r\n"
    "   - Owner: identity-team\r\n"
    "   - Due: 28/11/2023\r\n"
    "2. Rotate certificates automatically\r\n"
    "   - Owner: @identity-team\r\n"
    "   - Due: December 15\r\n"
    "   - Ticket: https://tracker.example.com/browse/IDP-7\r\n"
    "   - Check the staging provider too.\r\n"
)

BULLET_SUMMARY = """\
# Nightly export failed (2022-03-09)

- Severity: SEV-1
- Time to detection: 40 minutes
- Category: batch

Pacific Time throughout.

## Timeline

2022-03-09T06:10:00Z export job exits with an error
2022-03-09T06:50:00Z on-call engineer paged

## Action items

- **Retry the export on failure**: the job gives up after one try today.
- Split the export into parts
"""


def run(text: str, **kwargs: object) -> Converted:
    options: dict[str, object] = {
        "incident_id": "INC-2024-001",
        "source_name": "source.md",
        "timezone": None,
        "severities": SEVERITIES,
    }
    options.update(kwargs)
    return convert(text, **options)  # type: ignore[arg-type]


def build_page(build: Builder, converted: Converted) -> dict[str, object]:
    year = converted.date.year if converted.date else 2024
    built = build({f"{year}/page.md": converted.text}, conf=MYST_CONF)
    [incident] = built.export()["incidents"]
    return {"incident": incident, "warnings": built.warnings}


def test_bold_headers_and_tables(build: Builder) -> None:
    converted = run(BOLD_AND_TABLES)
    text = converted.text
    assert text.startswith("# INC-2024-001: Search results went stale\n")
    assert ":date: 2024-06-12\n:severity: SEV2\n:status: draft\n:services: search, indexer" in text
    assert ":timezone: UTC" in text
    assert "- 2024-06-12 07:40 Index refresh job starts and stalls. \u2014 Who: scheduler" in text
    assert "- 2024-06-12 08:05 Support forwards the first report | a pipe in the text." in text
    assert "yesterday's catalogue for most of a morning." in text
    assert "## Notes from the review\n\nThis section is ours alone and stays as it was." in text
    assert (converted.paragraphs, converted.timeline_rows, converted.actions) == (2, 3, 3)
    assert ":::{action} Alert when the index is older than one hour\n:status: done\n" in text
    assert ":tracker: SRCH-12\n:type: detect" in text
    assert ":due: 2024-08-15" in text
    assert any("'Write the restart runbook': give it owner and due" in r for r in converted.report)
    assert any("Due 'next quarter' not understood" in r for r in converted.report)
    assert "Due: next quarter" in text  # kept in the action's text

    result = build_page(build, converted)
    incident = result["incident"]
    assert isinstance(incident, dict)
    assert len(incident["timeline"]) == converted.timeline_rows
    assert [a["status"] for a in incident["actions"]] == ["done", "in-progress", "open"]
    assert [a["owner"] for a in incident["actions"]] == ["search-team", "indexer-team", None]
    warnings = result["warnings"]
    assert isinstance(warnings, list)
    assert [w for w in warnings if "timeline" in w] == []


def test_front_matter_date_headings_and_checklists(build: Builder) -> None:
    converted = run(FRONT_MATTER_AND_LINES)
    text = converted.text
    # what is not an incident field stays in the page's front matter
    assert text.startswith(
        '---\nseverity: "critical"\nreviewers: "Ana, Wei"\n---\n\n# INC-2024-001: Payments queue'
    )
    assert (
        ":date: 2024-06-20\n:status: draft\n:tags: payments, queue\n:timezone: Europe/Paris" in text
    )
    assert "All times are CET/CEST." in text
    assert "- 2024-06-20 09:12 Queue depth alert fires." in text
    assert "- ~2024-06-20 09:30 Consumers scaled from 4 to 12." in text
    assert "- 2024-06-20 ??:?? Someone notices" in text
    assert "- 2024-06-20 10:00Z Vendor confirms a fix on their side." in text
    assert "- 2024-06-21 08:15 Backlog drained." in text
    assert "### 2024-06-20" not in text  # the date moved into the entries
    report = "\n".join(converted.report)
    assert "severity: 'critical' (front matter (YAML)) is not one of SEV1" in report
    assert "'CET/CEST' is read as Europe/Paris" in report
    assert "approximate" not in report  # the build reads '~' itself
    assert "the time is not known" in report
    assert ":::{action} Raise the dead-letter queue limit\n:status: done\n" in text
    assert ":owner: payments-team\n:due: 2024-06-25\n:::" in text
    assert ":::{action} Run `terraform plan` in CI step\n:status: open\n:owner: platform" in text
    assert ":due: 2024-06-28" in text
    assert "'Page on dead-letter growth': give it owner and due" in report

    result = build_page(build, converted)
    incident = result["incident"]
    assert isinstance(incident, dict)
    assert [e["approximate"] for e in incident["timeline"]][1] is True
    assert [a["title"] for a in incident["actions"]] == [
        "Raise the dead-letter queue limit",
        "Run `terraform plan` in CI step",
        "Page on dead-letter growth",
    ]
    assert len(incident["timeline"]) == converted.timeline_rows == 5


def test_toml_crlf_tabs_and_numbered_actions(build: Builder) -> None:
    converted = run(TOML_AND_NUMBERED)
    text = converted.text
    assert "\r" not in text
    assert "# INC-2024-001: Login page timed out" in text
    assert ":date: 2023-11-02\n:severity: SEV3" in text
    assert "new identity provider." in text and "## Summary\n" in text
    assert "- 2023-11-02 13:20 [detected] Login error rate alert." in text
    assert ":::{action} Monitor certificate expiry\n:owner: identity-team\n:due: 2023-11-28" in text
    assert ":owner: identity-team\n:due: 2023-12-15\n" in text
    assert ":tracker: https://tracker.example.com/browse/IDP-7" in text
    assert "- Check the staging provider too." in text
    assert (converted.timeline_rows, converted.actions) == (2, 2)

    result = build_page(build, converted)
    incident = result["incident"]
    assert isinstance(incident, dict)
    assert [a["due"] for a in incident["actions"]] == ["2023-11-28", "2023-12-15"]
    assert incident["times"]["detected"] == "2023-11-02T13:20:00+00:00"
    warnings = result["warnings"]
    assert isinstance(warnings, list)
    # nothing to fix but the dates: postmortem_today is 2024-05-01
    assert [w.rpartition("[")[2] for w in warnings] == ["postmortem.overdue]"] * 2


def test_bullet_summary_and_iso_lines(build: Builder) -> None:
    converted = run(BULLET_SUMMARY)
    text = converted.text
    assert "# INC-2024-001: Nightly export failed\n" in text
    assert ":date: 2022-03-09\n:severity: SEV1\n:status: draft\n:tags: batch" in text
    assert ":timezone: America/Los_Angeles" in text
    assert "- Time to detection: 40 minutes" in text
    assert "- 2022-03-09T06:10:00Z export job exits with an error" not in text
    assert "- 2022-03-09 06:10:00Z export job exits with an error" in text
    assert (
        ":::{action} Retry the export on failure\n\nthe job gives up after one try today." in text
    )
    report = "\n".join(converted.report)
    assert "'Time to detection: 40 minutes' is kept as text" in report

    incident = build_page(build, converted)["incident"]
    assert isinstance(incident, dict)
    first = dt.datetime.fromisoformat(incident["timeline"][0]["time"])
    assert first == dt.datetime(2022, 3, 9, 6, 10, tzinfo=dt.UTC)
    assert len(incident["actions"]) == 2


def test_unreadable_rows_are_kept_and_reported() -> None:
    source = "# Broken clock\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| morning | Coffee ran out |\n"
    converted = run(source)
    assert "- morning Coffee ran out" in converted.text
    assert converted.timeline_rows == 1
    assert any("could not be read" in line for line in converted.report)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-06-30", dt.date(2024, 6, 30)),
        ("28/06/2024", dt.date(2024, 6, 28)),
        ("June 28", dt.date(2024, 6, 28)),
        ("March 3", dt.date(2025, 3, 3)),  # before the incident: the next year
        ("3rd March 2025", dt.date(2025, 3, 3)),
        ("soon", None),
        ("end of June", None),
    ],
)
def test_due_dates(written: str, expected: dt.date | None) -> None:
    assert parse_due(written, dt.date(2024, 6, 12)) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("UTC", ("UTC", False)),
        ("CET/CEST", ("Europe/Paris", True)),
        ("PT", ("America/Los_Angeles", False)),
        ("Europe/Copenhagen", ("Europe/Copenhagen", False)),
        ("Mars/Olympus", None),
    ],
)
def test_zones(written: str, expected: tuple[str, bool] | None) -> None:
    assert resolve_zone(written) == expected


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "conf.py").write_text(
        'extensions = ["sphinx_postmortem", "myst_parser"]\n'
        'myst_enable_extensions = ["colon_fence"]\n'
        'postmortem_id_pattern = r"PM\\d{4}-\\d{3}"\n',
        encoding="utf-8",
    )
    return root


def test_command_writes_pages_and_never_overwrites(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = tmp_path / "old"
    sources.mkdir()
    (sources / "PM2024-007 - Search results went stale.md").write_text(BOLD_AND_TABLES)
    (sources / "payments.md").write_text(FRONT_MATTER_AND_LINES)
    (sources / "README.md").write_text("# Our post-mortems\n")
    (sources / "PM2024-009 - Queue stalled").write_text(FRONT_MATTER_AND_LINES)
    (sources / "diagram.png").write_bytes(b"\x89PNG")
    (sources / ".git").mkdir()
    (sources / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert cli.main(["import", "--kb", str(kb), str(sources)]) == 0
    out = capsys.readouterr().out
    # a file the folder holds is never passed over without a word; assets and hidden
    # folders are not post-mortems
    skipped = [line for line in out.splitlines() if ": skipped, " in line]
    assert skipped == [
        f"{sources / 'PM2024-009 - Queue stalled'}: skipped, not a Markdown file name "
        "(.md, .markdown); name it on the command line to import it",
        f"{sources / 'README.md'}: skipped, a README, template or index page; "
        "name it on the command line to import it",
    ]
    own = kb / "2024" / "PM2024-007-search-results-went-stale.md"
    # the next free id in the shape of postmortem_id_pattern, after the one just taken
    new = kb / "2024" / "PM2024-008-payments-queue-backed-up.md"
    assert own.read_text().startswith("# PM2024-007: Search results went stale")
    assert ":::{incident} PM2024-008" in new.read_text()
    assert "3 timeline row(s), 3 action(s)" in out
    assert "[ ] action 'Write the restart runbook': give it owner and due" in out
    assert sorted(p.name for p in kb.rglob("*.md")) == sorted([own.name, new.name])


def test_command_refuses_to_overwrite(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "PM2024-007.md"
    source.write_text(BOLD_AND_TABLES)
    assert cli.main(["import", "--kb", str(kb), str(source)]) == 0
    [page] = kb.rglob("*.md")
    page.write_text("edited by hand\n")
    assert cli.main(["import", "--kb", str(kb), str(source)]) == 1
    assert page.read_text() == "edited by hand\n"
    assert "NOT WRITTEN" in capsys.readouterr().out


def test_dry_run_writes_nothing(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.md"
    source.write_text(BULLET_SUMMARY)
    assert cli.main(["import", "--kb", str(kb), "--dry-run", str(source)]) == 0
    out = capsys.readouterr().out
    assert "would write" in out and "  | :::{incident} PM2022-001" in out
    assert list(kb.rglob("*.md")) == []


def test_unreadable_source_fails(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(BULLET_SUMMARY)
    bad.write_bytes(b"\xff\xfe\x00broken")
    assert (
        cli.main(["import", "--kb", str(kb), str(bad), str(good), str(tmp_path / "gone.md")]) == 1
    )
    out = capsys.readouterr().out
    assert f"{bad}: not read" in out and "gone.md: not read" in out
    assert len(list(kb.rglob("*.md"))) == 1


def test_bad_timezone_is_a_usage_error(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "x.md"
    source.write_text(BULLET_SUMMARY)
    assert cli.main(["import", "--kb", str(kb), "--timezone", "Mars/Olympus", str(source)]) == 2
    assert "is not a time zone" in capsys.readouterr().err
