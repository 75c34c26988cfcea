"""The Microsoft 365 Agents Toolkit's project files are valid against the toolkit's own schema
(vendored in infra/schemas/, see its README), every `${{VARIABLE}}` they use is given by an
environment file, the toolkit, or an earlier step (the Bicep outputs among them), every file
they name exists, and the package step really builds an app package with the bot's id."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from tests.deploy import bicep
from tests.deploy.dockerfile import ROOT

SCHEMA = json.loads((ROOT / "infra" / "schemas" / "m365agents.v1.11.yaml.schema.json")
                    .read_text(encoding="utf-8"))
PROJECTS = {"m365agents.yml": "env/.env.dev", "m365agents.local.yml": "env/.env.local"}
# set by the toolkit itself (environment, subscription and resource group prompts, create's tenant)
BUILT_IN = {"TEAMSFX_ENV", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP_NAME",
            "TEAMS_APP_TENANT_ID"}
VARIABLE = re.compile(r"\$\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _env_file(path: str) -> tuple[dict[str, str], set[str], set[str]]:
    """(every key, the keys under "Generated", SECRET_ names its comments document)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    values: dict[str, str] = {}
    generated: set[str] = set()
    in_generated = False
    for line in text.splitlines():
        if line.startswith("#"):
            in_generated = in_generated or "Generated" in line
            continue
        if "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
            if in_generated:
                generated.add(key)
    return values, generated, set(re.findall(r"#\s+(SECRET_[A-Z_]+)=", text))


def _tunnel() -> dict[str, Any]:
    """The port the dev tunnel task (.vscode/tasks.json) opens, and what it writes."""
    tasks = json.loads((ROOT / ".vscode" / "tasks.json").read_text(encoding="utf-8"))
    [tunnel] = [t for t in tasks["tasks"] if t.get("command") == "debug-start-local-tunnel"]
    port: dict[str, Any] = tunnel["args"]["ports"][0]
    return port


def _steps(project: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(stage, step) for stage in ("provision", "deploy", "publish")
            for step in project.get(stage) or []]


def _produced(step: dict[str, Any]) -> set[str]:
    names = set((step.get("writeToEnvironmentFile") or {}).values())
    if step["uses"] == "script":
        names |= set(re.findall(r"::set-teamsfx-env (\w+)=", step["with"]["run"]))
        script = re.match(r"\./(infra/scripts/[\w.-]+)", step["with"]["run"])
        if script:
            names |= set(re.findall(r"::set-teamsfx-env (\w+)=",
                                    (ROOT / script.group(1)).read_text(encoding="utf-8")))
    if step["uses"] == "arm/deploy":
        for template in step["with"]["templates"]:
            names |= set(bicep.parse(ROOT / template["path"]).outputs)
    return names


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_the_project_file_is_valid_against_the_toolkits_schema(name: str) -> None:
    project = _load(name)
    header = (ROOT / name).read_text(encoding="utf-8").splitlines()[0]
    version = SCHEMA["properties"]["version"]["const"]
    assert header == ("# yaml-language-server: $schema=https://aka.ms/m365-agents-toolkits/"
                      f"{version}/yaml.schema.json")
    assert project["version"] == version
    by_action = {d["properties"]["uses"]["const"]: d for d in SCHEMA["definitions"].values()
                 if "const" in d.get("properties", {}).get("uses", {})}
    for stage, step in _steps(project):
        assert step["uses"] in by_action, f"{name} {stage}: unknown action {step['uses']}"
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(
            {**by_action[step["uses"]], "definitions": SCHEMA["definitions"]}).iter_errors(step)]
        assert problems == [], f"{name} {stage} {step['uses']}: {problems}"
    assert [e.message for e in Draft7Validator(SCHEMA).iter_errors(project)] == []


@pytest.mark.parametrize("broken", [{"uses": "arm/deploy", "with": {"templates": []}},
                                    {"uses": "teamsApp/create", "with": {"name": "x"}},
                                    {"uses": "script", "with": {"run": "x", "shel": "bash"}}])
def test_the_schema_refuses_a_broken_step(broken: dict[str, Any]) -> None:
    project = {**_load("m365agents.yml"), "provision": [broken]}
    assert list(Draft7Validator(SCHEMA).iter_errors(project)) != []


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_variable_is_given_before_it_is_used(name: str) -> None:
    env, generated, secrets = _env_file(PROJECTS[name])
    available = BUILT_IN | (set(env) - generated) | secrets
    if name == "m365agents.local.yml":  # the dev tunnel (.vscode/tasks.json) starts first
        available |= set(_tunnel()["writeToEnvironmentFile"].values())
    for stage, step in _steps(_load(name)):
        used = set(VARIABLE.findall(json.dumps(step)))
        if step["uses"] == "arm/deploy":
            for template in step["with"]["templates"]:
                used |= set(VARIABLE.findall((ROOT / template["parameters"]).read_text()))
        missing = used - available
        assert not missing, f"{name} {stage} {step['uses']}: {missing} not given yet"
        available |= _produced(step)
    secret_like = [k for k, v in env.items() if re.search("SECRET|PASSWORD", k) and v]
    assert secret_like == [], f"{PROJECTS[name]} holds a secret"


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_file_the_project_names_exists(name: str) -> None:
    for _stage, step in _steps(_load(name)):
        with_ = step.get("with") or {}
        for template in with_.get("templates") or []:
            assert (ROOT / template["path"]).is_file()
            assert (ROOT / template["parameters"]).is_file()
        script = re.match(r"\./([\w./-]+)", with_.get("run", ""))
        if script:
            assert (ROOT / script.group(1)).is_file(), script.group(1)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_the_package_step_builds_the_package_the_later_steps_use(name: str,
                                                                 tmp_path: Path) -> None:
    steps = [step for _stage, step in _steps(_load(name))]
    packaging = [s for s in steps if s["uses"] == "script" and "memberportal package" in
                 s["with"]["run"]]
    assert packaging, "no step builds the app package"
    out = re.search(r"--out (\S+)", packaging[0]["with"]["run"])
    assert out is not None
    for step in steps:
        if "appPackagePath" in (step.get("with") or {}):
            assert step["with"]["appPackagePath"] == out.group(1)
    bot_id = str(uuid.uuid4())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for key, value in packaging[0]["env"].items():
        env[key] = VARIABLE.sub(lambda m: {"BOT_ID": bot_id, "BOT_ENDPOINT":
                                           "https://bot.example.gov.uk",
                                           "SECRET_BOT_PASSWORD": "s3cret"}.get(m.group(1), ""),
                                value)
    zip_path = tmp_path / "app.zip"
    done = subprocess.run([sys.executable, "-m", "memberportal", "package", "--out",
                           str(zip_path)], env=env, capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(zipfile.ZipFile(zip_path).read("manifest.json"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == bot_id
    assert manifest["validDomains"] == ["bot.example.gov.uk"]


def test_local_debugging_runs_the_bot_with_the_settings_the_toolkit_writes() -> None:
    local = _load("m365agents.local.yml")
    [write] = [s for s in local["deploy"] if s["uses"] == "file/createOrUpdateEnvironmentFile"]
    launch = json.loads((ROOT / ".vscode" / "launch.json").read_text(encoding="utf-8"))
    [bot] = [c for c in launch["configurations"] if c.get("module") == "memberportal"]
    assert bot["args"] == ["serve"]
    assert bot["envFile"] == "${workspaceFolder}/" + write["with"]["target"].removeprefix("./")
    assert write["with"]["envs"]["PORT"] == 3978
    port = _tunnel()
    assert port["portNumber"] == 3978
    assert port["writeToEnvironmentFile"] == {"endpoint": "BOT_ENDPOINT", "domain": "BOT_DOMAIN"}
    ignored = subprocess.run(["git", "check-ignore", "-q", write["with"]["target"]], cwd=ROOT,
                             check=False)
    assert ignored.returncode == 0, "the file with the bot's client secret must be git-ignored"
