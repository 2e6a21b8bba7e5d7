"""The package's layers: each module knows only the modules below it.

Imports are read from the source (inside functions too), so a module that
reaches up to a higher floor, or two modules that import each other, fail
here before they make an import cycle at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "sphinx_postmortem"

#: bottom to top; a module may import from lower floors only
FLOORS: list[set[str]] = [
    # pure: parsing, warnings, charts, the blame finder, editing sources
    {"_version", "fields", "diagnostics", "charts", "given_names", "sourceedit", "markup"},
    {"blame"},
    {"config"},
    {"records"},
    {"commits"},
    {"domain"},
    {"render"},
    {"directive"},
    {"incident", "timeline", "action", "query"},
    {"tables", "metrics"},
    {"collect"},
    {"review", "export", "feeds", "browser"},
    # the command line
    {"knowledge_base"},
    {"checking"},
    {"importer", "follow", "scaffold"},
    {"cli"},
    {"__init__", "__main__"},
]
FLOOR = {module: n for n, floor in enumerate(FLOORS) for module in floor}


def imports_of(module: str, package: Path = PACKAGE) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in its source."""
    tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import y, or from . import x
                names = [node.module] if node.module else [a.name for a in node.names]
                found.update(n.split(".")[0] for n in names if n)
            elif node.module and node.module.startswith("sphinx_postmortem"):
                found.add(node.module.split(".")[1] if "." in node.module else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sphinx_postmortem."):
                    found.add(alias.name.split(".")[1])
    return found - {module}


def modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_every_module_has_a_floor() -> None:
    assert sorted(set(modules()) - set(FLOOR)) == []


@pytest.mark.parametrize("module", modules())
def test_a_module_imports_only_from_lower_floors(module: str) -> None:
    higher_or_level = sorted(
        name for name in imports_of(module) if FLOOR.get(name, 99) >= FLOOR[module]
    )
    assert higher_or_level == [], f"{module} imports {higher_or_level}"


def test_the_import_graph_has_no_cycle() -> None:
    graph = {module: imports_of(module) for module in modules()}
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", " -> ".join([*path, module])
        state[module] = "open"
        for name in sorted(graph.get(module, ())):
            visit(name, [*path, module])
        state[module] = "done"

    for module in graph:
        visit(module, [])


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    """Imports inside functions count, as the old domain's did."""
    (tmp_path / "domain.py").write_text(
        "import os\n\n"
        "def process_doc():\n"
        "    from .review import review\n"
        "    from . import charts\n"
        "    import sphinx_postmortem.timeline\n"
        "    from sphinx_postmortem import export\n",
        encoding="utf-8",
    )
    found = imports_of("domain", tmp_path)
    assert found == {"review", "charts", "timeline", "__init__"}
    assert sorted(n for n in found if FLOOR[n] >= FLOOR["domain"]) == [
        "__init__",
        "review",
        "timeline",
    ]
