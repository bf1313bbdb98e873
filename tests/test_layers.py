"""Dependencies point one way, records <- messaging <- escalation <- bot <- outreach <-
console <- peerline, and no module imports another that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["records", "messaging", "escalation", "bot", "outreach", "console", "peerline"]


def imports_of(path: Path) -> set[str]:
    """Every absolute module an app file imports, including under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, set[str]]:
    """module -> the app modules it imports (names that are modules, not attributes)."""
    files = {module_name(p): p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")}
    return {
        name: {imported for imported in imports_of(path) if imported in files and imported != name}
        for name, path in files.items()
    }


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_points_upward(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    offenders = {
        str(path.relative_to(ROOT)): sorted({i.split(".")[0] for i in imports_of(path)} & above)
        for path in (ROOT / layer).rglob("*.py")
        if {i.split(".")[0] for i in imports_of(path)} & above
    }
    assert offenders == {}


def test_no_import_circle() -> None:
    graph = app_modules()
    # a package's __init__ importing its own modules is how packages expose them, not a circle
    edges = {
        module: {i for i in imported if not module.startswith(i + ".")}
        for module, imported in graph.items()
    }
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(edges.get(module, ())):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_custom_actions_import_nothing_from_the_app() -> None:
    """Actions run in the engine's Python 3.10 environment, which has none of the app."""
    for path in (ROOT / "actions").rglob("*.py"):
        assert not {i.split(".")[0] for i in imports_of(path)} & set(LAYERS), path


def test_no_python_file_is_much_over_400_lines() -> None:
    """A newcomer reads a module in one sitting; word lists and tables are data files."""
    long = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for layer in [*LAYERS, "actions", "scripts"]
        for path in (ROOT / layer).rglob("*.py")
        if len(path.read_text().splitlines()) > 450
    }
    assert long == {}
