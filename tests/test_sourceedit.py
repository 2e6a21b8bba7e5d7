"""`close`: one action's status and completed date change; every other byte stays."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Builder

from sphinx_postmortem.sourceedit import CloseError, close_action, find_actions

DAY = dt.date(2024, 5, 2)

RST = """\
INC-2024-007: Disk full
=======================

.. incident:: INC-2024-007
   :date: 2024-03-14
   :severity: SEV2

   Summary.

.. action:: Alert when disk usage passes 80%
   :owner: storage-team
   :due: 2024-04-01
   :status: open
   :priority: P1

   Longer text.

.. action:: Rotate logs
   :owner: platform
   :due: 2024-04-02

.. action:: Explicit one
   :id: DISK-ALERT
   :owner: storage
   :due: 2024-04-03
   :status: In progress
   :completed: 2024-01-01
"""

MD_COLON = """\
# INC-2024-008: Queue stalled

:::{incident} INC-2024-008
:date: 2024-03-15
:severity: SEV3
:::

:::{action} Run `terraform plan` in CI
:owner: infra
:due: 2024-04-01
:status: open

Why it matters.
:::

:::{action} No options at all
:::
"""

MD_BACKTICK = """\
# INC-2024-009: Cache

```{incident} INC-2024-009
:date: 2024-03-16
:severity: SEV4
```

```markdown
```{action} An example in a code block, not an action
```

```{action} Warm the cache
---
owner: cache-team
due: 2024-04-01
---
Text.
```
"""


def test_rst_replaces_the_status_and_adds_completed_after_it() -> None:
    result = close_action(RST, "INC-2024-007-A1", syntax="rst", completed=DAY)
    assert result == RST.replace(
        "   :status: open\n", "   :status: done\n   :completed: 2024-05-02\n"
    )


def test_rst_adds_both_lines_after_the_last_option() -> None:
    result = close_action(RST, "INC-2024-007-A2", syntax="rst", completed=DAY)
    assert result == RST.replace(
        "   :due: 2024-04-02\n",
        "   :due: 2024-04-02\n   :status: done\n   :completed: 2024-05-02\n",
    )


def test_rst_explicit_id_replaces_both_values_and_counts_in_the_default_ids() -> None:
    assert [a.id for a in find_actions(RST, "rst")] == [
        "INC-2024-007-A1",
        "INC-2024-007-A2",
        "DISK-ALERT",
    ]
    result = close_action(RST, "DISK-ALERT", syntax="rst", completed=DAY)
    expected = RST.replace(
        ":status: In progress\n   :completed: 2024-01-01",
        ":status: done\n   :completed: 2024-05-02",
    )
    assert result == expected


def test_crlf_line_endings_are_kept_and_used_for_new_lines() -> None:
    text = RST.replace("\n", "\r\n")
    result = close_action(text, "INC-2024-007-A2", syntax="rst", completed=DAY)
    assert result == text.replace(
        "   :due: 2024-04-02\r\n",
        "   :due: 2024-04-02\r\n   :status: done\r\n   :completed: 2024-05-02\r\n",
    )


def test_a_directive_at_the_end_of_a_file_without_a_final_newline() -> None:
    text = ".. incident:: INC-2024-001\n   :date: 2024-01-01\n\n.. action:: Last\n   :owner: a"
    result = close_action(text, "INC-2024-001-A1", syntax="rst", completed=DAY)
    assert result == text + "\n   :status: done\n   :completed: 2024-05-02\n"


def test_myst_colon_fence() -> None:
    result = close_action(MD_COLON, "INC-2024-008-A1", syntax="md", completed=DAY)
    assert result == MD_COLON.replace(":status: open\n", ":status: done\n:completed: 2024-05-02\n")


def test_myst_fence_without_options_gets_them_after_the_fence() -> None:
    result = close_action(MD_COLON, "INC-2024-008-A2", syntax="md", completed=DAY)
    assert result == MD_COLON.replace(
        ":::{action} No options at all\n",
        ":::{action} No options at all\n:status: done\n:completed: 2024-05-02\n",
    )


def test_myst_backtick_fence_with_a_yaml_block_skips_code_blocks() -> None:
    assert [a.title for a in find_actions(MD_BACKTICK, "md")] == ["Warm the cache"]
    result = close_action(MD_BACKTICK, "INC-2024-009-A1", syntax="md", completed=DAY)
    assert result == MD_BACKTICK.replace(
        "due: 2024-04-01\n---\n", "due: 2024-04-01\nstatus: done\ncompleted: 2024-05-02\n---\n"
    )


@pytest.mark.parametrize(
    ("action_id", "message"),
    [
        (
            "INC-2024-007-A9",
            "there is no action 'INC-2024-007-A9' here (its actions: INC-2024-007-A1, INC-2024-007-A2, DISK-ALERT)",
        ),
        ("INC-2024-007-A1", "action 'INC-2024-007-A1' is already done, completed 2024-04-01"),
    ],
)
def test_unknown_and_done_actions_are_refused(action_id: str, message: str) -> None:
    text = RST.replace(":status: open", ":status: Done\n   :completed: 2024-04-01")
    with pytest.raises(CloseError) as error:
        close_action(text, action_id, syntax="rst", completed=DAY)
    assert str(error.value) == message


def test_a_closed_page_builds_as_done_in_both_syntaxes(build: Builder) -> None:
    files = {
        "rst/page.rst": close_action(RST, "INC-2024-007-A2", syntax="rst", completed=DAY),
        "md/page.md": close_action(MD_COLON, "INC-2024-008-A2", syntax="md", completed=DAY),
    }
    conf = 'extensions = ["sphinx_postmortem", "myst_parser"]\nmyst_enable_extensions = ["colon_fence"]\npostmortem_today = "2024-05-01"\n'
    built = build(files, conf=conf)
    actions = {a["id"]: a for i in built.export()["incidents"] for a in i["actions"]}
    for closed in ("INC-2024-007-A2", "INC-2024-008-A2"):
        assert (actions[closed]["status"], actions[closed]["completed"]) == ("done", "2024-05-02")
    assert actions["INC-2024-007-A1"]["status"] == "open"
