"""`dialogs/` builds cards and parses submits: nothing in it awaits or reaches the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DIALOGS = Path(__file__).resolve().parents[2] / "dialogs"
MODULES = sorted(DIALOGS.rglob("*.py"))
BANNED = ("casestore.db", "sqlalchemy")


def test_the_package_has_modules_to_check() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(DIALOGS)) for p in MODULES])
def test_a_dialogs_module_neither_awaits_nor_imports_the_store(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    awaiting = [node.lineno for node in ast.walk(tree)
                if isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncWith
                              | ast.AsyncFor)]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert awaiting == []
    assert sorted(m for m in imported
                  if any(m == b or m.startswith(b + ".") for b in BANNED)) == []
