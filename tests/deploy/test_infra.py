"""infra/ holds together without the Bicep CLI (tests/deploy/bicep.py says why): brackets and
strings close, every module it names exists (a file here, or an Azure Verified Module pinned to a
version), every parameter passed to a module is one the module declares and every required one
is passed, every output read from a module exists, every parameter and variable is used, no
identifier is undeclared, secrets are @secure() and reach the apps only through Key Vault, and
the resources a council's deployment needs are all there."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy import bicep
from tests.deploy.dockerfile import ROOT

INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))
AVM = json.loads((Path(__file__).parent / "avm_interfaces.json").read_text())["modules"]
AVM_REF = re.compile(r"^br/public:(avm/res/[a-z0-9-]+/[a-z0-9-]+):(\d+\.\d+\.\d+)$")
SECRET_NAME = re.compile(r"(password|secret|token|connectionstring|apikey)$", re.IGNORECASE)
KEYWORDS = {"param", "var", "output", "module", "resource", "targetScope", "if", "for", "in",
            "true", "false", "null", "existing", "string", "int", "bool", "object", "array",
            "using", "metadata", "import", "type"}
FUNCTIONS = {"concat", "empty", "take", "replace", "uniqueString", "resourceGroup", "tenant",
             "json", "cidrSubnet", "union", "contains", "toLower", "format", "last", "split",
             "subscription", "environment", "readEnvironmentVariable", "length", "string"}


@pytest.fixture(scope="module")
def files() -> dict[str, bicep.BicepFile]:
    return {str(p.relative_to(INFRA)): bicep.parse(p) for p in BICEP_FILES}


def _interface(path: Path, ref: str) -> tuple[dict[str, bool], set[str]]:
    """(param name -> required, outputs) of a module reference from `path`."""
    if ref.startswith("br/public:"):
        match = AVM_REF.fullmatch(ref)
        assert match, f"{ref}: an AVM reference must be br/public:avm/res/<area>/<name>:<x.y.z>"
        key = f"{match.group(1)}:{match.group(2)}"
        assert key in AVM, f"{ref}: not in avm_interfaces.json (regenerate it for this version)"
        info = AVM[key]
        return ({n: p["required"] for n, p in info["params"].items()}, set(info["outputs"]))
    module = bicep.parse((path.parent / ref).resolve())
    return ({n: not p.has_default for n, p in module.params.items()}, set(module.outputs))


def test_there_are_bicep_files_and_each_one_tokenizes() -> None:
    assert {"main.bicep", "modules/apps.bicep", "modules/bot-registration.bicep",
            "modules/network.bicep"} <= {str(p.relative_to(INFRA)) for p in BICEP_FILES}
    for path in BICEP_FILES:
        bicep.tokens(path.read_text(encoding="utf-8"))  # raises on an unclosed bracket or string


@pytest.mark.parametrize("broken", ["param a string = {\n", "var b = [1, 2)\n",
                                    "var c = 'not closed\n", "var d = '${e'\n"])
def test_the_reader_refuses_unbalanced_text(broken: str) -> None:
    with pytest.raises(bicep.BicepSyntaxError):
        bicep.tokens(broken)


def test_every_module_exists_and_is_called_with_the_parameters_it_declares(
        files: dict[str, bicep.BicepFile]) -> None:
    for name, found in files.items():
        for module in found.modules.values():
            if not module.path.startswith("br/"):
                assert (found.path.parent / module.path).is_file(), f"{name}: {module.path}"
            declared, _ = _interface(found.path, module.path)
            unknown = set(module.param_keys) - set(declared)
            assert not unknown, f"{name}: module {module.symbol} has no params {unknown}"
            missing = {p for p, required in declared.items() if required} - set(
                module.param_keys)
            assert not missing, f"{name}: module {module.symbol} needs {missing}"


def test_every_output_read_from_a_module_exists(files: dict[str, bicep.BicepFile]) -> None:
    for name, found in files.items():
        toks = found.tokens
        for k, t in enumerate(toks[:-2]):
            if t.text in found.modules and toks[k + 1].text == "." and \
                    toks[k + 2].text == "outputs":
                output = toks[k + 4].text
                _, outputs = _interface(found.path, found.modules[t.text].path)
                assert output in outputs, f"{name}:{t.line}: {t.text}.outputs.{output}"


def test_every_azure_verified_module_is_pinned(files: dict[str, bicep.BicepFile]) -> None:
    refs = [m.path for f in files.values() for m in f.modules.values()
            if m.path.startswith("br")]
    assert len(refs) >= 8
    for ref in refs:
        assert AVM_REF.fullmatch(ref), ref


def test_every_parameter_and_variable_is_used(files: dict[str, bicep.BicepFile]) -> None:
    for name, found in files.items():
        used = [t.text for k, t in enumerate(found.tokens)
                if t.kind == "ident" and found.tokens[k - 1].text not in ("param", "var", ".")]
        strings = " ".join(t.text for t in found.tokens if t.kind == "string")
        for symbol in [*found.params, *found.variables]:
            assert symbol in used or f"{symbol} " in strings, f"{name}: {symbol} is never used"


def test_no_identifier_is_undeclared(files: dict[str, bicep.BicepFile]) -> None:
    for name, found in files.items():
        toks = found.tokens
        known = found.declared | KEYWORDS
        for k, t in enumerate(toks):
            if t.kind != "ident" or k == 0:
                continue
            before, after = toks[k - 1].text, toks[k + 1].text if k + 1 < len(toks) else ""
            if before in (".", ".?", "@", "param", "var", "output", "module", "resource") or (
                    toks[k - 2].text in ("param", "output") and before in found.declared | {
                        *found.outputs}):
                continue  # a property, a decorator, a declaration or its type
            if after == ":" or after == "(":
                if after == "(":
                    assert t.text in FUNCTIONS | {"if"}, \
                        f"{name}:{t.line}: unknown function {t.text}()"
                continue
            assert t.text in known, f"{name}:{t.line}: {t.text} is not declared"


def test_secrets_are_secure_parameters_with_no_default_value(
        files: dict[str, bicep.BicepFile]) -> None:
    for name, found in files.items():
        for param in found.params.values():
            if SECRET_NAME.search(param.name):
                assert "secure" in param.decorators, f"{name}: {param.name} lacks @secure()"
    main = files["main.bicep"]
    assert not main.params["postgresAdministratorPassword"].has_default
    assert [o for o in main.outputs if SECRET_NAME.search(o)] == []


def test_the_apps_read_secrets_from_key_vault_through_the_identity() -> None:
    text = (INFRA / "modules" / "apps.bicep").read_text(encoding="utf-8")
    for secret in ("postgres-password", "graph-client-secret", "council-config"):
        assert f"keyVaultUrl: '${{keyVaultUri}}secrets/{secret}'" in text
    assert text.count("identity: identityResourceId") >= 4
    for variable in re.findall(r"\{ name: '(\w+)', (value|secretRef): ", text):
        if re.search("PASSWORD|SECRET", variable[0]):
            assert variable[1] == "secretRef", f"{variable[0]} must come from a secret"
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    assert "enableRbacAuthorization: true" in main
    assert "roleDefinitionIdOrName: 'Key Vault Secrets User'" in main


def test_the_resources_a_council_needs_are_all_there(files: dict[str, bicep.BicepFile]) -> None:
    refs = {m.path.split(":")[1] for f in files.values() for m in f.modules.values()
            if m.path.startswith("br")}
    for needed in ("avm/res/managed-identity/user-assigned-identity",
                   "avm/res/operational-insights/workspace", "avm/res/key-vault/vault",
                   "avm/res/db-for-postgre-sql/flexible-server",
                   "avm/res/app/managed-environment", "avm/res/app/container-app",
                   "avm/res/app/job"):
        assert needed in refs
    bot = files["modules/bot-registration.bicep"]
    assert bot.resources["bot"].startswith("Microsoft.BotService/botServices@")
    text = bot.path.read_text(encoding="utf-8")
    for line in ("msaAppType: 'UserAssignedMSI'", "msaAppMSIResourceId: identityResourceId",
                 "channelName: 'MsTeamsChannel'"):
        assert line in text


def test_the_bot_listens_on_3978_with_liveness_and_readiness_probes() -> None:
    text = (INFRA / "modules" / "apps.bicep").read_text(encoding="utf-8")
    assert "var port = 3978" in text and "ingressTargetPort: port" in text
    assert re.search(r"type: 'Liveness'\s+httpGet: \{ path: '/healthz', port: port \}", text)
    assert re.search(r"type: 'Readiness'\s+httpGet: \{ path: '/readyz', port: port \}", text)
    for command in ("serve", "worker", "migrate"):
        assert re.search(rf"args: \[\s+'{command}'\s+\]", text), command
    assert "ingressAllowInsecure: false" in text
    main = (INFRA / "main.bicep").read_text(encoding="utf-8")
    assert "endpoint: 'https://${botFqdn}/api/messages'" in main


def _bicepparam() -> dict[str, str]:
    text = (INFRA / "main.bicepparam").read_text(encoding="utf-8")
    assert re.search(r"^using './main.bicep'$", text, re.M)
    return dict(re.findall(r"^param (\w+) = (.+)$", text, re.M))


def test_the_parameter_files_give_every_required_parameter_and_no_secret(
        files: dict[str, bicep.BicepFile]) -> None:
    main = files["main.bicep"]
    required = {n for n, p in main.params.items() if not p.has_default}
    given = _bicepparam()
    toolkit = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    for name, names in (("main.bicepparam", set(given)), ("main.parameters.json", set(toolkit))):
        assert names <= set(main.params), f"{name}: unknown {names - set(main.params)}"
        assert required <= names, f"{name}: missing {required - names}"
    assert set(given) == set(toolkit), "the two parameter files give different parameters"
    for name, param in main.params.items():
        if "secure" in param.decorators and name in given:
            assert given[name].startswith("readEnvironmentVariable("), name
            assert re.fullmatch(r"\$\{\{SECRET_[A-Z_]+\}\}", toolkit[name]["value"]), name


@pytest.mark.parametrize("script", ["build-image.sh", "migrate.sh"])
def test_the_release_scripts_are_executable_bash(script: str) -> None:
    path = INFRA / "scripts" / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0
    assert "set -euo pipefail" in path.read_text(encoding="utf-8")
