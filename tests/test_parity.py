"""The same post-mortem written in reST and in MyST gives the same result.

Each example in ``examples/`` exists in both syntaxes, laid out so that line
numbers match. Both builds must give the same warnings (recorded in
``<name>.warnings``, so that a change in either shows) and the same export.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, Builder, Built, example

NAMES = sorted(path.stem for path in EXAMPLES.glob("*.rst"))


def build_example(
    build: Builder, name: str, ext: str, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    srcdir = tmp_path_factory.mktemp(f"{name}-{ext}")
    return build({f"doc.{ext}": example(f"{name}.{ext}")}, srcdir=srcdir)


def normalised(built: Built, ext: str) -> list[str]:
    return sorted(w.replace(f"doc.{ext}:", "doc:") for w in built.warnings)


@pytest.mark.parametrize("name", NAMES)
def test_rest_and_myst_agree(
    build: Builder, name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rst = build_example(build, name, "rst", tmp_path_factory)
    md = build_example(build, name, "md", tmp_path_factory)

    expected = (EXAMPLES / f"{name}.warnings").read_text(encoding="utf-8").splitlines()
    assert normalised(rst, "rst") == expected
    assert normalised(md, "md") == expected
    assert rst.export() == md.export()
    assert body(rst) == body(md)


def body(built: Built) -> str:
    """The page's content as a reader sees it, without the theme around it."""
    html = built.html("doc")
    return html[html.index('<div class="body"') : html.index('<div class="sphinxsidebar"')]


def test_every_example_has_both_syntaxes() -> None:
    assert NAMES
    for name in NAMES:
        assert (EXAMPLES / f"{name}.md").is_file(), name
        assert (EXAMPLES / f"{name}.warnings").is_file(), name
