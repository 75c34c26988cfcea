"""The container's files have the shape a council's IT team expects: a multi-stage Dockerfile on a
pinned slim Python 3.11, a non-root user, no build tools in the final image, a health check and
`memberportal serve` as the entry point; a compose.yaml that runs the bot, the worker and
PostgreSQL with health checks and takes every secret from an uncommitted .env."""

from __future__ import annotations

import re
import subprocess
import tomllib
from typing import Any

import pytest
import yaml

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT

BUILD_TOOLS = ("build-essential", "gcc", "g++", "make", "clang", "python3-dev", "libpq-dev",
               "cargo", "rustc")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$")


@pytest.fixture(scope="module")
def image() -> dockerfile.Dockerfile:
    return dockerfile.load()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_image_is_built_in_stages_and_the_final_one_takes_only_the_environment(
        image: dockerfile.Dockerfile) -> None:
    assert len(image.stages) >= 2
    earlier = {s.name for s in image.stages[:-1]}
    copies = image.final.copies()
    assert copies, "the final stage copies nothing"
    for sources, _destination, source_stage in copies:
        assert source_stage in earlier, f"the final stage copies {sources} from the context"
    assert (["/opt/venv"], "/opt/venv", "build") in copies


def test_every_stage_is_slim_python_3_11_pinned_to_a_patch_release(
        image: dockerfile.Dockerfile) -> None:
    for stage in image.stages:
        base = image.resolve(stage.base)
        assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", base), base


def test_the_final_image_runs_as_an_unprivileged_user(image: dockerfile.Dockerfile) -> None:
    user = image.final.last("USER")
    assert user is not None, "no USER: the container would run as root"
    name = user.args.split(":")[0]
    assert name not in ("root", "0")
    assert image.final.instructions.index(user) < image.final.instructions.index(
        image.final.all("ENTRYPOINT")[0])


def test_no_build_tool_is_installed_in_the_final_image(image: dockerfile.Dockerfile) -> None:
    for run in image.final.all("RUN"):
        words = set(re.split(r"[\s;&|]+", run.args))
        assert not words & set(BUILD_TOOLS), run.args
        assert "pip" not in run.args, f"the final stage installs packages itself: {run.args}"


def test_the_health_check_asks_readyz_with_python_alone(image: dockerfile.Dockerfile) -> None:
    check = image.final.last("HEALTHCHECK")
    assert check is not None
    command = dockerfile.Instruction("CMD", check.args.split(" CMD ", 1)[1]).exec_form()
    assert command is not None and command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2] and "/readyz" in command[2]
    assert "curl" not in check.args and "wget" not in check.args


def test_the_entry_point_is_memberportal_serve_on_all_interfaces(
        image: dockerfile.Dockerfile) -> None:
    entrypoint = image.final.last("ENTRYPOINT")
    command = image.final.last("CMD")
    assert entrypoint is not None and entrypoint.exec_form() == ["memberportal"]
    assert command is not None and command.exec_form() == ["serve"]
    env = image.final.env()
    assert env["HOST"] == "0.0.0.0"
    assert env["LOG_FORMAT"] == "json"
    expose = image.final.last("EXPOSE")
    assert expose is not None and expose.args == env["PORT"] == "3978"


def test_the_build_copies_every_package_and_nothing_dockerignore_leaves_out(
        image: dockerfile.Dockerfile) -> None:
    patterns = dockerfile.dockerignore_patterns()
    sources = [s for sources, _, stage in image.stage("build").copies() if stage is None
               for s in sources]
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not dockerfile.ignored(source, patterns), f"COPY {source}: .dockerignore drops it"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]
                ["include"]}
    assert packages <= set(sources), f"not copied into the image: {packages - set(sources)}"
    assert pyproject["project"]["readme"] in sources


@pytest.mark.parametrize("path", [".env", ".venv", ".git", "memberportal.db",
                                  "casestore/__pycache__/x.pyc", "env/.env.dev.user"])
def test_secrets_and_local_state_stay_out_of_the_build_context(path: str) -> None:
    assert dockerfile.ignored(path, dockerfile.dockerignore_patterns())


def test_compose_runs_postgres_the_release_step_the_bot_and_the_worker(
        compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "migrate", "bot", "worker"} <= set(services)
    assert services["bot"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["bot"]["environment"]["SCHEDULER"] == "off"
    assert services["worker"]["environment"]["SCHEDULER"] == "on"
    for name in ("migrate", "bot", "worker"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["LOG_FORMAT"] == "json"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert not services["postgres"]["image"].endswith(":latest")
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", services["postgres"]["image"])


def test_compose_starts_the_bot_and_worker_only_after_the_migrations(
        compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("bot", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_compose_health_checks_match_the_image(compose: dict[str, Any],
                                               image: dockerfile.Dockerfile) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    check = image.final.last("HEALTHCHECK")
    assert check is not None
    image_command = dockerfile.Instruction("CMD", check.args.split(" CMD ", 1)[1]).exec_form()
    assert services["bot"]["healthcheck"]["test"] == ["CMD", *(image_command or [])]
    # no HTTP listener in these two, so the image's check must be switched off, not left failing
    assert services["worker"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}


def _values(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _values(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [pair for i, v in enumerate(node) for pair in _values(v, f"{path}[{i}]")]
    return [(path, str(node))]


def test_compose_holds_no_secret_and_reads_them_from_an_uncommitted_env_file(
        compose: dict[str, Any]) -> None:
    for path, value in _values(compose):
        key = path.rsplit(".", 1)[-1]
        if SECRET_KEY.search(key):
            assert INTERPOLATION.fullmatch(value), f"{path} holds a value: use ${{...}} from .env"
        assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{path}: a password in a URL"
    for name in ("migrate", "bot", "worker"):
        assert compose["services"][name]["env_file"] == ".env"
    for path in (".env", "env/.env.dev.user", "env/.env.local.user"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{path} must be git-ignored"


def test_env_example_lists_every_variable_compose_needs_with_no_value_in_a_secret(
        compose: dict[str, Any]) -> None:
    example: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    needed = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (ROOT / "compose.yaml").read_text()))
    assert needed <= set(example), f"missing from .env.example: {needed - set(example)}"
    for key, value in example.items():
        if SECRET_KEY.search(key):
            assert value == "", f".env.example gives {key} a value"
