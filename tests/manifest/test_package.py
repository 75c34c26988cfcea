"""The Teams app package: a manifest that passes Microsoft's schema, the right icons, one zip."""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from manifest.package import (
    PLACEHOLDER_APP_ID,
    AppIdInvalid,
    ManifestInvalid,
    ManifestValues,
    build_package,
    load_icons,
    load_schema,
    load_template,
    manifest_problems,
    manifest_values,
    render_manifest,
    schema_problems,
    short_developer_name,
)
from manifest.png import write_png
from memberportal.commands import cmd_package
from memberportal.settings import Settings

APP_ID = "6f1c2a52-8d2e-4c1b-9b8e-0a6f2f3c4d5e"
COUNCIL = "Mersey Vale Metropolitan Borough Council"


@pytest.fixture
def values() -> ManifestValues:
    return manifest_values(app_id=APP_ID.upper(), council_name=COUNCIL,
                           public_url="https://enquiries.merseyvale.gov.uk/api/messages",
                           website_url="https://www.merseyvale.gov.uk",
                           privacy_url="https://www.merseyvale.gov.uk/privacy",
                           terms_url="https://www.merseyvale.gov.uk/terms")


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def broken(change: Any) -> dict[str, Any]:
    template = load_template()
    change(template)
    return template


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(
    values: ManifestValues,
) -> None:
    files = unzip(build_package(values))
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    assert schema_problems(manifest) == []
    assert files["color.png"] == load_icons()["color"]


def test_the_manifest_declares_the_bot_its_commands_and_permissions(
    values: ManifestValues,
) -> None:
    manifest = render_manifest(values)
    assert manifest["manifestVersion"] == "1.29" and manifest["id"] == APP_ID
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and bot["supportsFiles"] is True
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    commands = {tuple(c["scopes"]): [cmd["title"] for cmd in c["commands"]]
                for c in bot["commandLists"]}
    assert commands[("personal",)] == ["new enquiry", "my cases", "find", "case", "drafts",
                                       "help"]
    assert commands[("team",)] == ["log for", "my queue", "help"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}]
    assert manifest["webApplicationInfo"] == {
        "id": APP_ID, "resource": f"api://enquiries.merseyvale.gov.uk/botid-{APP_ID}"}
    assert manifest["validDomains"] == ["enquiries.merseyvale.gov.uk"]
    assert manifest["developer"]["name"] == "Mersey Vale MBC"
    assert COUNCIL in manifest["description"]["full"]
    assert "{{" not in json.dumps(manifest)


def test_the_template_and_the_schema_agree_on_the_version() -> None:
    schema = load_schema()
    assert schema["properties"]["manifestVersion"]["const"] == load_template()["manifestVersion"]
    here = Path(__file__).resolve().parents[2] / "manifest" / "schema"
    assert "MIT License" in (here / "MicrosoftTeams.LICENSE.txt").read_text()
    assert "OfficeDev/microsoft-teams-app-schema" in (here / "README.md").read_text()


@pytest.mark.parametrize(("change", "expected"), [
    (lambda m: m["bots"][0].pop("scopes"), "bots[0].scopes: is required but missing"),
    (lambda m: m["bots"][0]["scopes"].append("everywhere"), "bots[0].scopes[3]: 'everywhere'"),
    (lambda m: m["authorization"]["permissions"]["resourceSpecific"][0].update(
        name="ChannelMessages.Read.Group"),
     "authorization.permissions.resourceSpecific[0]: 'ChannelMessages.Read.Group'"),
    (lambda m: m["authorization"]["permissions"]["resourceSpecific"].append(
        {"name": "TeamSettings.ReadWrite.Group", "type": "Application"}),
     "authorization.permissions.resourceSpecific[1]: 'TeamSettings.ReadWrite.Group'"),
    (lambda m: m.update(accentColor="teal"), "accentColor: 'teal' does not match"),
    (lambda m: m["description"].pop("full"), "description.full: is required but missing"),
    (lambda m: m["bots"][0]["commandLists"][0].update(scopes=["copilot"]),
     "bots[0].commandLists[0].scopes: 'copilot' is not one of the bot's scopes"),
    (lambda m: m.update(webApplicationInfo={"id": PLACEHOLDER_APP_ID, "resource": "api://x"}),
     "webApplicationInfo.id: must be the app id"),
])
def test_a_broken_manifest_is_refused_naming_the_json_path(
    values: ManifestValues, change: Any, expected: str,
) -> None:
    with pytest.raises(ManifestInvalid) as raised:
        build_package(values, template=broken(change))
    assert any(p.startswith(expected) for p in raised.value.problems), raised.value.problems


def test_icons_of_the_wrong_size_or_colour_are_refused(values: ManifestValues) -> None:
    icons = load_icons()
    small = write_png(96, 96, [(0, 0, 0, 255)] * 96 * 96)
    red = write_png(32, 32, [(255, 0, 0, 255)] * 32 * 32)
    problems = manifest_problems(render_manifest(values),
                                 {"color": small, "outline": red})
    assert "icons.color: color.png must be 192×192 pixels (it is 96×96)" in problems
    assert "icons.outline: outline.png must be white on transparent only" in problems
    assert manifest_problems(render_manifest(values), icons) == []


def test_the_app_id_must_be_a_guid_unless_a_placeholder_is_asked_for() -> None:
    for app_id in ("", "my-bot"):
        with pytest.raises(AppIdInvalid):
            manifest_values(app_id=app_id, council_name=COUNCIL)
    local = manifest_values(app_id="", council_name=COUNCIL, allow_placeholder_id=True)
    assert local.app_id == PLACEHOLDER_APP_ID
    assert any("local testing" in note for note in local.notes)
    assert render_manifest(local)["validDomains"] == []
    assert render_manifest(local)["webApplicationInfo"]["resource"] == \
        f"api://botid-{PLACEHOLDER_APP_ID}"


def test_long_council_names_are_shortened_the_usual_way() -> None:
    assert short_developer_name(COUNCIL) == "Mersey Vale MBC"
    assert short_developer_name("Argyll and Bute Council") == "Argyll and Bute Council"


def test_the_same_inputs_give_the_same_zip(values: ManifestValues) -> None:
    assert build_package(values) == build_package(values)


def test_the_package_command_writes_the_zip(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "build" / "app.zip"
    settings = Settings(app_id=APP_ID, app_password="x", public_url="https://bot.example.gov.uk")
    assert cmd_package(argparse.Namespace(out=str(out)), settings) == 0
    assert sorted(unzip(out.read_bytes())) == ["color.png", "manifest.json", "outline.png"]
    assert "color.png 192×192, outline.png 32×32" in capsys.readouterr().out


def test_the_package_command_refuses_a_missing_app_id_with_status_2(
    tmp_path: Path, capsys: Any,
) -> None:
    out = tmp_path / "app.zip"
    assert cmd_package(argparse.Namespace(out=str(out)), Settings()) == 2
    assert "MicrosoftAppId is not set" in capsys.readouterr().err
    assert not out.exists()
    args = argparse.Namespace(out=str(out), allow_placeholder_id=True)
    assert cmd_package(args, Settings()) == 0 and out.exists()
