"""Dependencies point one way: records <- messaging <- escalation <- bot <- peerline."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["records", "messaging", "escalation", "bot", "peerline"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_points_upward(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & above)
        for path in (ROOT / layer).rglob("*.py")
        if imported_packages(path) & above
    }
    assert offenders == {}


def test_custom_actions_import_nothing_from_the_app() -> None:
    """Actions run in the engine's Python 3.10 environment, which has none of the app."""
    for path in (ROOT / "actions").rglob("*.py"):
        assert not imported_packages(path) & set(LAYERS), path
