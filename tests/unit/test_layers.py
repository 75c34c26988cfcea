"""The layers stay as DESIGN.md draws them: SQL only in the db adapter, a pure domain, and
edges (bot, scheduler, dialogs) that reach persistence through the ports only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ["model", "lifecycle", "calendar", "sla", "permissions", "intake", "notifications",
          "questions", "directory", "config", "errors", "kinds", "keys", "records", "ports",
          "policy_table", "replay", "redaction"]
ADAPTERS = ("sqlalchemy", "aiohttp", "msal", "apscheduler", "microsoft_agents",
            "casestore.db", "casestore.graph", "casestore.open311")


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def offending(path: Path, banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imports(path) if any(m == b or m.startswith(b + ".")
                                                  for b in banned))


@pytest.mark.parametrize("name", DOMAIN)
def test_the_domain_imports_no_adapter_or_framework(name: str) -> None:
    assert offending(ROOT / "casestore" / f"{name}.py", ADAPTERS) == []


def test_outside_its_db_adapter_casestore_writes_no_sql() -> None:
    for path in sorted((ROOT / "casestore").rglob("*.py")):
        part = path.relative_to(ROOT / "casestore").parts[0]
        if part not in ("db", "migrations"):
            assert offending(path, ("sqlalchemy", "casestore.db")) == [], path


@pytest.mark.parametrize("package", ["bot", "scheduler", "dialogs"])
def test_the_edges_reach_persistence_through_the_ports_only(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        assert offending(path, ("sqlalchemy", "casestore.db")) == [], path


def test_no_source_module_is_over_400_lines() -> None:
    root = Path(__file__).resolve().parents[2]
    too_long = {
        str(path.relative_to(root)): n
        for package in ("bot", "dialogs", "casestore", "scheduler", "memberportal", "manifest")
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }

    assert too_long == {}


def test_only_the_composition_roots_telemetry_module_imports_opentelemetry() -> None:
    """Without an endpoint nothing of OpenTelemetry's may load (memberportal.telemetry imports
    it inside its functions), and the layers below never depend on it."""
    importers = sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "dialogs", "casestore", "scheduler", "memberportal", "manifest")
        for path in (ROOT / package).rglob("*.py")
        if offending(path, ("opentelemetry",)))
    assert importers == ["memberportal/telemetry.py"]
    top_level = {node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                 for node in ast.parse((ROOT / "memberportal" / "telemetry.py").read_text(
                     encoding="utf-8")).body if isinstance(node, ast.Import | ast.ImportFrom)}
    assert not any(str(m).startswith("opentelemetry") for m in top_level)
