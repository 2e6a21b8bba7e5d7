"""Every setting is declared once; a bad value warns at conf.py and never breaks a build."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CONF, Builder, example

from sphinx_postmortem.config import DEFAULTS, SETTINGS

DOCS = Path(__file__).parent.parent / "docs"
REVIEWED = CONF.replace("postmortem_review = False", "postmortem_review = True")


def config_warnings(built: Any) -> list[str]:
    return sorted(w for w in built.warnings if "[postmortem.config]" in w)


def test_a_list_of_terms_where_a_dict_is_expected_warns_and_the_review_runs(
    build: Builder,
) -> None:
    built = build(
        {"doc.rst": example("full.rst")}, conf=REVIEWED + 'postmortem_blame_terms = ["x"]\n'
    )
    assert config_warnings(built) == [
        "conf.py:5: WARNING: postmortem_blame_terms: expected a dict of category -> list of "
        "terms or {term: advice}; using the default {} [postmortem.config]"
    ]
    assert (built.outdir / "doc.html").is_file()


def test_one_section_name_is_not_a_list_of_letters(build: Builder) -> None:
    page = example("full.rst").replace(":status: final", ":status: final", 1)
    built = build({"doc.rst": page}, conf=REVIEWED + 'postmortem_required_sections = "Impact"\n')
    assert config_warnings(built) == [
        "conf.py:5: WARNING: postmortem_required_sections: expected a list of names, not str "
        "'Impact'; using the default ['Impact', 'Timeline', 'Root causes and trigger', "
        "'Detection', 'Resolution', 'What went well', 'What went wrong', 'Where we got lucky', "
        "'Action items'] [postmortem.config]"
    ]
    missing = [w for w in built.warnings if "[postmortem.structure]" in w]
    assert not any(re.search(r"has no '\w' section", w) for w in missing)


def test_an_invalid_today_names_the_date_used_instead(build: Builder) -> None:
    built = build({"doc.rst": example("full.rst")}, conf=CONF + 'postmortem_today = "someday"\n')
    [warning] = [w for w in config_warnings(built) if "postmortem_today" in w]
    assert "using the default None (the date of SOURCE_DATE_EPOCH, else today's)" in warning


def test_the_template_format_is_a_registered_setting(build: Builder) -> None:
    built = build(
        {"doc.rst": example("full.rst")}, conf=CONF + 'postmortem_template_format = "doc"\n'
    )
    assert built.app.config.postmortem_template_format == "md"
    assert config_warnings(built) == [
        "conf.py:5: WARNING: postmortem_template_format: expected 'md' or 'rst', not 'doc'; "
        "using the default 'md' [postmortem.config]"
    ]


HOSTILE: list[Any] = [1, "x", ["x"], {"x": 1}, None, [""], object]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_no_value_of_any_setting_breaks_a_build(build: Builder, value: Any) -> None:
    conf = REVIEWED.replace('postmortem_today = "2024-05-01"\n', "")
    conf += "".join(f"{s.name} = {value!r}\n" for s in SETTINGS if s.name != "postmortem_today")
    conf = conf.replace("<class 'object'>", "object")
    built = build({"doc.rst": example("full.rst"), "md.md": example("full.md")}, conf=conf)
    output = built.app.status.getvalue() + built.app.warning.getvalue()
    assert "Traceback" not in output
    assert "Exception" not in output
    assert (built.outdir / "doc.html").is_file()
    for warning in config_warnings(built):
        assert re.match(r"conf\.py:\d+: WARNING: postmortem_\w+: ", warning), warning
    # every value that is not valid was replaced by its default
    for setting in SETTINGS:
        used = getattr(built.app.config, setting.name)
        try:
            setting.check(value)
        except (ValueError, TypeError):
            if setting.name != "postmortem_default_priority":
                assert used == setting.default, setting.name


def documented_defaults() -> dict[str, str]:
    """Each confval's ``:default:`` in docs/configuration.md, as written."""
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"\{confval\} (\w+)\n(?::type:.*\n)?:default: (.*)\n", text):
        found[match[1]] = match[2].strip()
    return found


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_manual_gives_each_declared_default(setting: Any) -> None:
    documented = documented_defaults()[setting.name]
    literal = re.fullmatch(r"`(r?\".*\"|\[.*\]|\{.*\}|None|True|False)`", documented)
    if literal:
        assert ast.literal_eval(literal[1]) == setting.default
    else:  # a long default is described in words instead
        assert not documented.startswith("`"), documented


def test_the_manual_says_which_settings_read_every_document_again() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"\{confval\} (\w+)\n(.*?)\n`{3,4}\n", text, flags=re.S))
    for setting in SETTINGS:
        says = "re-reads every document" in blocks[setting.name].replace("\n", " ").lower()
        review = setting.name.startswith(("postmortem_blame", "postmortem_review"))
        if (
            setting.rebuild == "env"
            and not review
            and setting.name
            not in (
                "postmortem_people",
                "postmortem_required_sections",
                "postmortem_in_review_sections",
                "postmortem_section_synonyms",
            )
        ):
            assert says, setting.name
        if setting.rebuild != "env":
            assert not says, setting.name
    assert set(DEFAULTS) == {s.name for s in SETTINGS}


@pytest.mark.parametrize("ext", ["rst", "md"])
def test_an_id_with_spaces_gets_our_located_warning(build: Builder, ext: str) -> None:
    if ext == "rst":
        page = "Title\n=====\n\n.. incident:: not an id\n   :date: 2024-01-01\n   :severity: SEV2\n"
    else:
        page = "# Title\n\n\n```{incident} not an id\n:date: 2024-01-01\n:severity: SEV2\n```\n"
    built = build({f"doc.{ext}": page})
    assert built.warnings == [
        f"doc.{ext}:4: WARNING: not an id: the id has spaces: an incident id is one word that "
        r"matches postmortem_id_pattern '[A-Z][A-Z0-9]*-\\d{4}-\\d{3,}', such as INC-2024-007 "
        "[postmortem.incident]"
    ]
    assert built.export()["incidents"][0]["id"] == "not an id"  # still recorded, as written
