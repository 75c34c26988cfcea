"""The Agents Playground's own JSON schema for `.m365agentsplayground.yml`, read from the pinned
package in playground/node_modules (its bundle embeds it as `JSON.parse('...')`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "playground/node_modules/@microsoft/m365agentsplayground/dist/index.js"
SCHEMA_ID = "https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json"


def config_schema(bundle: Path = BUNDLE) -> dict[str, Any] | None:
    """The schema, or None when the package is not installed or no longer embeds it."""
    if not bundle.exists():
        return None
    text = bundle.read_text(encoding="utf-8")
    start = text.find("JSON.parse('{\"$id\":\"" + SCHEMA_ID)
    if start < 0:
        return None
    start += len("JSON.parse('")
    end = text.find("')", start)
    raw = re.sub(r"\\(.)", lambda m: m.group(1), text[start:end])  # a JS '...' string's escapes
    schema: dict[str, Any] = json.loads(raw)
    return schema
