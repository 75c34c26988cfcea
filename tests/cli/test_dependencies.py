"""The project installs the supported Microsoft 365 Agents SDK, and none of the retired
botbuilder stack (botbuilder-python reached end of support on 31 December 2025)."""

from __future__ import annotations

from importlib import metadata

RETIRED = ("botbuilder", "botframework", "msrest")
SDK = ("microsoft-agents-activity", "microsoft-agents-hosting-core",
       "microsoft-agents-hosting-aiohttp", "microsoft-agents-hosting-msteams",
       "microsoft-agents-authentication-msal")


def _installed() -> dict[str, str]:
    return {(d.metadata["Name"] or "").lower().replace("_", "-"): d.version
            for d in metadata.distributions()}


def test_no_retired_bot_framework_package_is_installed() -> None:
    found = sorted(name for name in _installed() if name.startswith(RETIRED))

    assert found == []


def test_the_agents_sdk_is_installed_at_the_pinned_minor_version() -> None:
    installed = _installed()

    assert {name: installed.get(name, "missing")[:4] for name in SDK} == {
        name: "1.9." for name in SDK}
